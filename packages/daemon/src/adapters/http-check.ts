// The health check's HTTP GET over loopback (node:http, no keep-alive: each check is a fresh connection).
import { request } from 'node:http'
import type { HttpCheck } from '../runtime/health-checker.ts'

/** Tried in order, as readiness does (adapters/port-probe.ts): most apps bind 0.0.0.0 or ::, a few bind ::1 only. */
const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1']

type Answer = 'healthy' | 'unhealthy' | 'refused'

/** One GET: healthy on 2xx/3xx; `refused` when nothing listens on that address (the next one is tried). */
function getOnce (host: string, port: number, path: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, agent: false, timeout: timeoutMs, headers: { 'user-agent': 'sup-health' } }, (res) => {
      res.resume()
      const status = res.statusCode ?? 0
      resolve(status >= 200 && status < 400 ? 'healthy' : 'unhealthy')
    })
    req.on('timeout', () => { req.destroy(); resolve('unhealthy') })
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' || err.code === 'EADDRNOTAVAIL' ? 'refused' : 'unhealthy'))
    req.end()
  })
}

/** Healthy when the first loopback address that accepts the connection answers 2xx/3xx within the timeout. */
export const httpCheck: HttpCheck = async (port, path, timeoutMs) => {
  for (const host of LOOPBACK_HOSTS) {
    const answer = await getOnce(host, port, path, timeoutMs)
    if (answer !== 'refused') return answer === 'healthy'
  }
  return false
}
