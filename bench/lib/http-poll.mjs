// HTTP polling of 127.0.0.1 ports in a tight loop, bounded by a deadline.
import http from 'node:http'
import { now, sleep } from './timing.mjs'

const POLL_INTERVAL_MS = 5
const REQUEST_TIMEOUT_MS = 1000

/** One GET to 127.0.0.1:port; resolves the body text, or null on any error (refused, reset, timeout). */
export function getText (port, timeoutMs = REQUEST_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve(res.statusCode === 200 ? body : null))
      res.on('error', () => resolve(null))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(null))
  })
}

/** The pid in a `hello from pid N` answer, or null. */
export function parsePid (body) {
  const m = body === null ? null : /hello from pid (\d+)/.exec(body)
  return m ? Number(m[1]) : null
}

/** The pid currently answering on `port`, or null. */
export async function pidOnPort (port) {
  return parsePid(await getText(port))
}

/**
 * Polls `port` every 5 ms until an answer passes `accept(pid)`; resolves the monotonic time of
 * that answer and its pid. Rejects at the deadline or when `signal` aborts.
 */
export async function waitForAnswer (port, deadline, { accept = () => true, signal } = {}) {
  for (;;) {
    const pid = parsePid(await getText(port))
    if (pid !== null && accept(pid)) return { at: now(), pid }
    if (signal?.aborted) throw new Error(`port ${port}: polling aborted`)
    if (now() > deadline) throw new Error(`port ${port}: no accepted answer before the deadline`)
    await sleep(POLL_INTERVAL_MS)
  }
}

/** Polls all ports concurrently; resolves when every one has answered (time of the last one). */
export async function waitForAllAnswer (ports, deadline, { signal } = {}) {
  const answers = await Promise.all(ports.map((p) => waitForAnswer(p, deadline, { signal })))
  return { at: Math.max(...answers.map((a) => a.at)), pids: answers.map((a) => a.pid) }
}
