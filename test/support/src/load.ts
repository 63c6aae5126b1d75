// A bounded HTTP load through one port (nginx in the e2e tests): counts every non-2xx answer and socket error.
// Each request opens its own connection and says `Connection: close`. Why not a pooled Agent: even with
// keepAlive false, node's Agent hands a freed socket to a queued request, so a "fresh" request can go out on a
// connection nginx is closing as idle on its reload — a keep-alive race RFC 9112 leaves to the client to retry,
// not a request the server failed. (Session 1 counted those as nginx dropping connections; it does not.)
import { request } from 'node:http'

export interface LoadResult { ok: number; failed: number; failures: string[]; bodies: Set<string> }
export interface Load { readonly result: LoadResult; stop (): Promise<LoadResult> }

/** `concurrency` loops of GET / on 127.0.0.1:port, one connection per request, until stop() or maxMs or maxRequests. */
export function startLoad (port: number, opts: { concurrency?: number; maxMs?: number; maxRequests?: number } = {}): Load {
  const result: LoadResult = { ok: 0, failed: 0, failures: [], bodies: new Set() }
  const deadline = performance.now() + (opts.maxMs ?? 30_000)
  const maxRequests = opts.maxRequests ?? 100_000
  let stopped = false
  const one = (): Promise<void> => new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { connection: 'close' }, timeout: 5_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) { result.ok++; result.bodies.add(body.trim()) } else { result.failed++; result.failures.push(`HTTP ${res.statusCode ?? 0}: ${body.slice(0, 200)}`) }
        resolve()
      })
      res.on('error', (err) => { result.failed++; result.failures.push(err.message); resolve() })
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err) => { result.failed++; result.failures.push(err.message); resolve() })
    req.end()
  })
  const loop = async (): Promise<void> => {
    while (!stopped && performance.now() < deadline && result.ok + result.failed < maxRequests) await one()
  }
  const loops = Promise.all(Array.from({ length: opts.concurrency ?? 8 }, loop))
  return {
    result,
    async stop () { stopped = true; await loops; return result }
  }
}
