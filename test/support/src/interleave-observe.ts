// The interleaving test's eyes: the daemon's API over its socket, /proc by marker, nginx files and answers; quiescence.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync } from 'node:fs'
import { request } from 'node:http'
import type { AppView, EventView } from '../../../packages/protocol/src/index.ts'
import { probeApps, type MarkedProcess, type Observation, type StoredAppMirror } from './interleave-invariants.ts'
import { markerPrefixOf } from './procs.ts'

export interface DaemonAnswer { readonly status: number; readonly json: unknown; readonly text: string }

/** One request to the daemon of `home` over its unix socket; rejects on a socket error or after timeoutMs. */
export function daemonRequest (home: string, method: string, path: string, opts: { body?: Buffer; timeoutMs?: number; contentType?: string } = {}): Promise<DaemonAnswer> {
  return new Promise((resolve, reject) => {
    const headers = opts.body === undefined ? {} : { 'content-type': opts.contentType ?? 'application/gzip', 'content-length': String(opts.body.length) }
    const req = request({ socketPath: `${home}/sup.sock`, path, method, agent: false, headers, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown = null
        try { json = JSON.parse(text) } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, json, text })
      })
    })
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${opts.timeoutMs ?? 10_000} ms`)))
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** GET /apps of the daemon of `home`. */
export async function listAppsOf (home: string): Promise<AppView[]> {
  const r = await daemonRequest(home, 'GET', '/apps')
  if (r.status !== 200) throw new Error(`GET /apps answered ${r.status}: ${r.text.slice(0, 200)}`)
  return (r.json as { apps: AppView[] }).apps
}

/** GET /events?app= (the last `limit`). */
export async function eventsOf (home: string, app: string, limit = 50): Promise<EventView[]> {
  const r = await daemonRequest(home, 'GET', `/events?app=${encodeURIComponent(app)}&limit=${limit}`)
  return r.status === 200 ? (r.json as { events: EventView[] }).events : []
}

/** Live (non-zombie) processes whose SUP_MARKER belongs to `home`, with the app and instance it names. */
export function markedProcesses (home: string): MarkedProcess[] {
  const key = `SUP_MARKER=${markerPrefixOf(home)}`
  const out: MarkedProcess[] = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'latin1')
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue
      const entry = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').find((e) => e.startsWith(key))
      if (entry === undefined) continue
      // the marker: <prefix>:<app>:<instance>:<nonce>
      const parts = entry.slice(key.length).split(':')
      const instance = Number(parts[parts.length - 2])
      out.push({ pid: Number(d), app: parts.slice(0, -2).join(':'), instance })
    } catch { /* gone, or not ours to read */ }
  }
  return out.sort((a, b) => a.pid - b.pid)
}

function nginxFiles (home: string): Record<string, string> {
  const dir = `${home}/nginx`
  const out: Record<string, string> = {}
  if (!existsSync(dir)) return out
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.conf')).sort()) {
    try { out[f] = readFileSync(`${dir}/${f}`, 'utf8') } catch { /* removed meanwhile */ }
  }
  return out
}

/** GET / through nginx with `X-Sup-App: app` (the test's server block routes on it). */
export function getThroughNginx (nginxPort: number, app: string, timeoutMs = 3_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: nginxPort, path: '/', agent: false, timeout: timeoutMs, headers: { 'x-sup-app': app } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', (err) => resolve({ status: 0, body: err.message }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err) => resolve({ status: 0, body: err.message }))
    req.end()
  })
}

/** The nginx server block of the test: one listener, the upstream `sup_<X-Sup-App>` (a missing one answers 502). */
export function interleaveServerBlock (port: number): string {
  return `  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sup_$http_x_sup_app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502;
    }
  }`
}

function readMirror (home: string): StoredAppMirror[] | null {
  try {
    const file = JSON.parse(readFileSync(`${home}/apps.json`, 'utf8')) as { apps?: StoredAppMirror[] }
    return Array.isArray(file.apps) ? file.apps : null
  } catch { return null }
}

/** Everything the invariants need, read now. */
export async function observe (home: string, nginxPort: number): Promise<Observation> {
  const apps = await listAppsOf(home)
  const ports = await daemonRequest(home, 'GET', '/daemon/ports')
  const held = ports.status === 200 ? (ports.json as { ports: Array<{ port: number; holder: string }> }).ports : null
  const marked = markedProcesses(home)
  const cwds = apps.flatMap((a) => a.workers.filter((w) => w.state === 'online' && w.pid !== null).map((w) => {
    let cwd: string | null = null
    try { cwd = readlinkSync(`/proc/${w.pid ?? 0}/cwd`) } catch { /* gone */ }
    return { app: a.name, instance: w.instance, pid: w.pid ?? 0, cwd }
  }))
  const nginxAnswers = await Promise.all(probeApps(apps).map(async (app) => ({ app, ...(await getThroughNginx(nginxPort, app)) })))
  return { apps, held, marked, cwds, nginxFiles: nginxFiles(home), nginxAnswers, mirror: readMirror(home) }
}

/** What must stay the same for the daemon to count as quiet: workers, marked processes, upstream files. */
export async function quietKey (home: string): Promise<{ key: string; busy: string | null }> {
  const apps = await listAppsOf(home)
  const workers = apps.map((a) => [a.name, a.desired, a.workers.map((w) => [w.instance, w.state, w.pid, w.port, w.serving ?? null])])
  // a replacement in flight (a reload, deploy or health/rule restart between its start and the old worker's stop) is
  // not in `workers` yet: the app is busy until `replacing` is back to 0
  const replacing = apps.filter((a) => (a.replacing ?? 0) > 0).map((a) => `${a.name} replacing ${a.replacing ?? 0}`)
  const busy = [...replacing, ...apps.flatMap((a) => a.workers.filter((w) => ['starting', 'stopping', 'backoff'].includes(w.state)).map((w) => `${a.name}:${w.instance} ${w.state}`))]
  const key = JSON.stringify([workers, markedProcesses(home).map((p) => p.pid), nginxFiles(home)])
  return { key, busy: busy.length === 0 ? null : busy.join(', ') }
}

/**
 * Waits until nothing moves: no worker starting, stopping or in backoff, and the same workers, processes and
 * upstream files for `stableMs`. `quiet`: the key it settled on; else (after timeoutMs) what kept moving.
 */
export async function waitQuiet (home: string, opts: { stableMs?: number; timeoutMs?: number; intervalMs?: number } = {}): Promise<{ quiet: string } | { moving: string }> {
  const stableMs = opts.stableMs ?? 800
  const deadline = performance.now() + (opts.timeoutMs ?? 30_000)
  let last = ''
  let since = performance.now()
  let why = 'never observed'
  while (performance.now() < deadline) {
    try {
      const { key, busy } = await quietKey(home)
      if (key !== last) { last = key; since = performance.now() }
      why = busy ?? `changing: ${key.slice(0, 400)}`
      if (busy === null && performance.now() - since >= stableMs) return { quiet: key }
    } catch (err) {
      last = ''
      why = `daemon unreachable: ${err instanceof Error ? err.message : String(err)}`
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 100))
  }
  return { moving: why }
}

/** pino levels: 50 error, 60 fatal. */
const ERROR_LEVEL = 50

/**
 * The error lines (level >= 50) the daemons of `home` wrote to daemon.log after byte `from` (a 500, an
 * unhandled rejection, a failed write), shortened; and where the log ends now.
 */
export function daemonLogErrors (home: string, from: number): { errors: string[]; end: number } {
  const path = `${home}/daemon.log`
  let size = 0
  try { size = statSync(path).size } catch { return { errors: [], end: 0 } }
  if (size <= from) return { errors: [], end: size }
  const buf = Buffer.alloc(size - from)
  const fd = openSync(path, 'r')
  try { readSync(fd, buf, 0, buf.length, from) } finally { closeSync(fd) }
  const errors: string[] = []
  for (const line of buf.toString('utf8').split('\n')) {
    try {
      const rec = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } }
      if ((rec.level ?? 0) >= ERROR_LEVEL) errors.push(`${rec.msg ?? ''}${rec.err?.message === undefined ? '' : `: ${rec.err.message}`}`.slice(0, 300))
    } catch { /* not a JSON line */ }
  }
  return { errors, end: size }
}
