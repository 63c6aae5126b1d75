// Smallest useful app: answers every request with its pid, on process.env.PORT.
import http from 'node:http'

const port = Number(process.env.PORT ?? 3000)

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' })
  res.end(`hello from pid ${process.pid}\n`)
})

server.listen(port, () => {
  console.log(`hello listening on ${port} (pid ${process.pid})`)
})

process.on('SIGTERM', () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
