// The health check's HTTP GET over loopback (node:http, no keep-alive: each check is a fresh connection).
import { request } from 'node:http'
import type { HttpCheck } from '../runtime/health-checker.ts'

export const httpCheck: HttpCheck = (port, path, timeoutMs) => new Promise((resolve) => {
  const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'sup-health' } }, (res) => {
    res.resume()
    const status = res.statusCode ?? 0
    resolve(status >= 200 && status < 400)
  })
  req.on('timeout', () => { req.destroy(); resolve(false) })
  req.on('error', () => resolve(false))
  req.end()
})
