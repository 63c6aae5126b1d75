// Process, port and HTTP helpers for tests: /proc scans by marker, loopback GETs, free port ranges.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer, type Server } from 'node:net'
import { resolve } from 'node:path'

/** The marker prefix the daemon gives the workers of this SUP_HOME (same derivation as the daemon's config). */
export function markerPrefixOf (home: string): string {
  return `sup-${createHash('sha256').update(resolve(home)).digest('hex').slice(0, 16)}:`
}

/** Pids of live processes whose environment carries a marker of this SUP_HOME. */
export function markedPids (home: string): number[] {
  const needle = Buffer.from(`SUP_MARKER=${markerPrefixOf(home)}`)
  const out: number[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue
      if (readFileSync(`/proc/${d}/environ`).includes(needle)) out.push(Number(d))
    } catch { /* gone or not ours */ }
  }
  return out
}

/**
 * Pids of the live daemon and sup-logd of `home` (started with SUP_HOME=home), this test process excepted. Workers
 * get their daemon's SUP_HOME too; they are left out by their SUP_MARKER (markedPids finds them).
 */
export function pidsWithHome (home: string): number[] {
  const needle = Buffer.from(`\0SUP_HOME=${resolve(home)}\0`)
  const marked = Buffer.from('\0SUP_MARKER=')
  const out: number[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue
    try {
      const env = Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${d}/environ`)])
      if (env.includes(needle) && !env.includes(marked) && isAlive(Number(d))) out.push(Number(d))
    } catch { /* gone or not ours */ }
  }
  return out
}

export function isAlive (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch { return false }
}

/**
 * True once no thread of `pid` is left: the pid is gone, or only its zombie leader is. isAlive() is false as soon as
 * the main thread is a zombie, but a SIGKILLed node process still has other threads exiting then, and its files (a
 * listening socket, a lock) close with the last of them: a client that connects to the socket meanwhile is reset.
 */
export function isGone (pid: number): boolean {
  if (isAlive(pid)) return false
  try { return readdirSync(`/proc/${pid}/task`).length <= 1 } catch { return true }
}

export function killPid (pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try { process.kill(pid, signal) } catch { /* already gone */ }
}

export interface HttpAnswer { status: number; body: string }

/** GET http://127.0.0.1:port/path with a short timeout; rejects on any socket error. */
export function httpGet (port: number, path = '/', timeoutMs = 2_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

/** A foreign TCP listener on a port (something that is not sup); close it when done. */
export function listenForeign (port: number, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer((c) => c.destroy())
    s.once('error', reject)
    s.listen(host === undefined ? { port } : { port, host }, () => resolve(s))
  })
}

function portFree (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen({ port, exclusive: true }, () => s.close(() => resolve(true)))
  })
}

/** Below Linux's ephemeral range (32768-60999): a client socket (load, nginx to a worker) never takes a test's port. */
const RANGE_BASE_MIN = 10_000
const RANGE_BASE_MAX = 32_000

/**
 * `count` consecutive free ports, starting at a random base so parallel test files rarely collide. Never in the
 * ephemeral range: there, the load's own connections took a reload's spare port for an instant, and sup (rightly)
 * fell back to one worker at a time where the test expected one swap.
 */
export async function freePortRange (count: number): Promise<{ from: number; to: number; range: string }> {
  for (let tries = 0; tries < 200; tries++) {
    const from = RANGE_BASE_MIN + Math.floor(Math.random() * (RANGE_BASE_MAX - RANGE_BASE_MIN - count))
    let ok = true
    for (let p = from; p < from + count && ok; p++) ok = await portFree(p)
    if (ok) return { from, to: from + count - 1, range: `${from}-${from + count - 1}` }
  }
  throw new Error('no free port range found')
}
