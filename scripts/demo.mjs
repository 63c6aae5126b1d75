// The README's first command: start examples/hello with 4 workers, show `sup list`, and show each port answering.
import { execFileSync } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const sup = (...args) => execFileSync(process.execPath, [`${root}packages/cli/bin/sup.js`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
const get = (port) => new Promise((resolve, reject) => {
  request({ host: '127.0.0.1', port, agent: false, timeout: 2000 }, (res) => {
    let body = ''
    res.on('data', (c) => { body += c })
    res.on('end', () => resolve(body.trim()))
  }).on('error', reject).end()
})

const range = process.env.DEMO_PORTS ?? '8000-8009'
try { sup('delete', 'hello') } catch { /* not there yet */ }
process.stdout.write(`$ sup start examples/hello/server.js -n 4 --name hello --port-range ${range}\n`)
process.stdout.write(sup('start', `${root}examples/hello/server.js`, '-n', '4', '--name', 'hello', '--port-range', range))
process.stdout.write('\n$ sup list\n' + sup('list'))
const app = JSON.parse(sup('show', 'hello', '--json'))
process.stdout.write('\n')
for (const w of app.workers) process.stdout.write(`$ curl 127.0.0.1:${w.port}  ->  ${await get(w.port)}\n`)
process.stdout.write('\nThe workers keep running under the sup daemon. Try `pnpm sup logs`, `pnpm sup kill` (stops everything).\n')
