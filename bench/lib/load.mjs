// A bounded HTTP load on one loopback port: `concurrency` loops of GET /, one connection per request
// (`Connection: close`, no pooled Agent), counting every non-2xx answer and every socket error.
import { Agent, request } from 'node:http'

// With `keepAlive`, the loops share a keep-alive Agent instead (a pool of `concurrency` reused connections), as
// most HTTP clients do: what nginx's reloads do to clients that reuse connections.
export function startLoad (port, { concurrency = 8, maxMs = 60_000, maxRequests = 200_000, keepAlive = false } = {}) {
  const result = { ok: 0, failed: 0, failures: [] }
  const agent = keepAlive ? new Agent({ keepAlive: true, maxSockets: concurrency }) : false
  const headers = keepAlive ? {} : { connection: 'close' }
  const deadline = performance.now() + maxMs
  let stopped = false
  const one = () => new Promise((resolve) => {
    const fail = (what) => { result.failed++; if (result.failures.length < 20) result.failures.push(what); resolve() }
    const req = request({ host: '127.0.0.1', port, path: '/', agent, headers, timeout: 5_000 }, (res) => {
      res.resume()
      res.on('end', () => { if (res.statusCode >= 200 && res.statusCode < 300) { result.ok++; resolve() } else fail(`HTTP ${res.statusCode}`) })
      res.on('error', (e) => fail(e.code ?? e.message))
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })))
    req.on('error', (e) => fail(e.code ?? e.message))
    req.end()
  })
  const loop = async () => { while (!stopped && performance.now() < deadline && result.ok + result.failed < maxRequests) await one() }
  const loops = Promise.all(Array.from({ length: concurrency }, loop))
  return { result, async stop () { stopped = true; await loops; if (agent !== false) agent.destroy(); return result } }
}
