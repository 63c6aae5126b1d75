// Keeps $SUP_HOME/nginx/<app>.conf equal to each app's serving workers: debounced, atomic, `nginx -t` first, then reload.
import { execFile } from 'node:child_process'
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { renderUpstream, type HostOf } from '../core/upstream.ts'
import type { PublishResult, UpstreamPublisher } from '../core/ports.ts'

export type { PublishResult, UpstreamPublisher } from '../core/ports.ts'
export type NginxEventType = 'nginx-test-failed' | 'nginx-reload-failed' | 'nginx-reloaded'

export interface NginxPublisherDeps {
  /** `$SUP_HOME/nginx`: one `<app>.conf` per app (created when missing). */
  readonly dir: string
  /** e.g. ['nginx', '-t']; null: no test. */
  readonly testCommand: readonly string[] | null
  /** e.g. ['nginx', '-s', 'reload']; null: the files are written, nginx is not told. */
  readonly reloadCommand: readonly string[] | null
  /** Calls within this window (from the first one waiting) are one write per app and one reload (50 ms in the daemon). */
  readonly debounceMs: number
  /**
   * Wait after a successful reload before resolving. `nginx -s reload` only signals the master, which parses the
   * config, starts new workers, sleeps 100 ms, then tells the old ones to quit: until then they still accept and
   * proxy by the OLD upstream (93-124 ms after the command returned, nginx 1.22 here). Default 0; 200 makes
   * "publish resolved" mean "new connections use the new upstream".
   */
  readonly settleMs?: number
  readonly onEvent: (app: string, type: NginxEventType, reason: string, data: Record<string, unknown>) => void
  /** nginx's address of each port, read at each write (listening-sockets.ts readUpstreamHosts); absent: 127.0.0.1. */
  readonly hostOf?: () => HostOf
}

/** Test and reload commands are killed after this: a stuck nginx must not stall every later publish. */
const COMMAND_TIMEOUT_MS = 10_000
/** How much of a failed command's stderr goes into the event. */
const STDERR_TAIL_LINES = 5
/** What may name a file in `dir` (app names are validated before, this only keeps paths inside `dir`). */
const SAFE_APP = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** Splits a command line on spaces, honouring '…' and "…" quotes (no shell is ever used): SUP_NGINX_RELOAD/TEST. */
export function parseCommand (text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/(?:'([^']*)'|"([^"]*)"|([^\s'"]+))+/g)) {
    out.push(m[0].replace(/'([^']*)'|"([^"]*)"/g, (_q, a: string | undefined, b: string | undefined) => a ?? b ?? ''))
  }
  return out
}

/** Runs argv without a shell; resolves null on success, else what went wrong with the tail of its stderr. */
function runCommand (cmd: readonly string[]): Promise<string | null> {
  const [file, ...args] = cmd
  if (file === undefined) return Promise.resolve('empty command')
  return new Promise((resolve) => {
    execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      if (err === null) { resolve(null); return }
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string }
      const how = e.killed === true ? `killed after ${COMMAND_TIMEOUT_MS} ms` : typeof e.code === 'number' ? `exit code ${e.code}` : e.code ?? e.message
      const tail = String(stderr).trim().split('\n').filter((l) => l.trim() !== '').slice(-STDERR_TAIL_LINES).join(' | ').slice(-1_000)
      resolve(`\`${cmd.join(' ')}\` failed (${how})${tail === '' ? '' : `: ${tail}`}`)
    })
  })
}

/** Temp file in the same directory (never matched by `*.conf`), fsync, rename over, fsync the directory. */
function writeAtomic (dir: string, path: string, text: string): void {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`
  try {
    const fd = openSync(tmp, 'w', 0o644)
    try { writeSync(fd, text); fsyncSync(fd) } finally { closeSync(fd) }
    renameSync(tmp, path)
  } finally { rmSync(tmp, { force: true }) }
  syncDir(dir)
}

function removeDurably (dir: string, path: string): void {
  rmSync(path, { force: true })
  syncDir(dir)
}

function syncDir (dir: string): void {
  const fd = openSync(dir, 'r')
  try { fsyncSync(fd) } finally { closeSync(fd) }
}

function readOrNull (path: string): string | null {
  try { return readFileSync(path, 'utf8') } catch { return null }
}

/** One app's request: the latest ports asked for (null: remove), everyone waiting for it. */
interface Request { ports: readonly number[] | null; readonly waiters: Array<(r: PublishResult) => void>; isDue: boolean }
/** One app's part of a flush: what nginx had on disk before, what it gets now. */
interface Change { readonly app: string; readonly ports: readonly number[] | null; readonly path: string; readonly previous: string | null; next: string | null }

/** The publisher: one flush at a time over every app, so nginx never sees two writes or reloads interleaved. */
export function createNginxPublisher (deps: NginxPublisherDeps): UpstreamPublisher & Required<Pick<UpstreamPublisher, 'reconcile'>> {
  const pending = new Map<string, Request>()
  const errors = new Map<string, string>()
  /** Apps whose file on disk nginx has loaded (none at start: the first publish of each app reloads even if unchanged). */
  const synced = new Set<string>()
  let isFlushing = false
  /** Callers of reconcile() waiting for the one forced test + reload of the next flush. */
  let forced: Array<() => void> = []

  /** The one debounce timer: every request waiting when it fires is due (one timer, not one per app: timers set in
   * one loop turn may still fire in two when the clock moves between them, and a burst became two reloads). */
  let window: NodeJS.Timeout | null = null

  function request (app: string, ports: readonly number[] | null): Promise<PublishResult> {
    if (!SAFE_APP.test(app)) return Promise.resolve({ ok: false, error: `'${app}' cannot name an upstream file` })
    return new Promise((resolve) => {
      const r = pending.get(app)
      if (r !== undefined) { r.ports = ports; r.waiters.push(resolve); return }
      pending.set(app, { ports, waiters: [resolve], isDue: false })
      window ??= setTimeout(() => {
        window = null
        for (const w of pending.values()) w.isDue = true
        kick()
      }, deps.debounceMs)
    })
  }

  function kick (): void {
    if (isFlushing) return
    isFlushing = true
    // timers of one loop turn join one batch: a burst over several apps is one nginx reload
    setImmediate(() => { void drain() })
  }

  async function drain (): Promise<void> {
    for (;;) {
      const batch = [...pending].filter(([, r]) => r.isDue)
      const force = forced
      forced = []
      if (batch.length === 0 && force.length === 0) break
      for (const [app] of batch) pending.delete(app)
      const results = await flush(batch.map(([app, r]) => ({ app, ports: r.ports })), force.length > 0)
        .catch((err: unknown) => new Map(batch.map(([app]) => [app, { ok: false, error: `upstream of '${app}': ${String(err)}` } as const])))
      for (const [app, r] of batch) for (const w of r.waiters) w(results.get(app) ?? { ok: true })
      for (const done of force) done()
    }
    isFlushing = false
  }

  function fail (results: Map<string, PublishResult>, c: Change, type: NginxEventType | null, error: string): void {
    errors.set(c.app, error)
    results.set(c.app, { ok: false, error })
    if (type !== null) emit(c, type, error)
  }

  /** An event listener that throws must not stop the publisher (its flush would never finish). */
  function emit (c: Change, type: NginxEventType, reason: string): void {
    try { deps.onEvent(c.app, type, reason, { ports: c.ports ?? [], removed: c.ports === null }) } catch { /* the listener's own problem */ }
  }

  /** Writes every change, tests once, reloads once; a failed test puts back what was there. Never throws. */
  async function flush (asks: ReadonlyArray<{ app: string; ports: readonly number[] | null }>, force = false): Promise<Map<string, PublishResult>> {
    const results = new Map<string, PublishResult>()
    const changes: Change[] = []
    let hostOf: HostOf | undefined
    try { hostOf = deps.hostOf?.() } catch { /* never throws: 127.0.0.1 for every port */ }
    for (const { app, ports } of asks) {
      try {
        mkdirSync(deps.dir, { recursive: true, mode: 0o755 })
        const path = `${deps.dir}/${app}.conf`
        const c: Change = { app, ports, path, previous: readOrNull(path), next: ports === null ? null : renderUpstream(app, ports, hostOf) }
        const isStale = deps.reloadCommand !== null && !synced.has(app) && c.next !== null
        if (c.next === c.previous && !isStale) { results.set(app, { ok: true }); continue }
        if (c.next !== c.previous) { synced.delete(app); put(c, c.next) }
        changes.push(c)
      } catch (err) { fail(results, { app, ports, path: '', previous: null, next: null }, null, `cannot write the upstream of '${app}': ${err instanceof Error ? err.message : String(err)}`) }
    }
    if (changes.length === 0 && force && deps.reloadCommand !== null) await forcedReload()
    if (changes.length === 0) return results
    let failed = deps.testCommand === null ? null : await runCommand(deps.testCommand)
    const removes = changes.filter((c) => c.ports === null)
    if (failed !== null && removes.length > 0) {
      // `host not found in upstream`: a server block still proxies to a removed app; it gets the `down` placeholder
      for (const c of removes) { c.next = renderUpstream(c.app, []); tryPut(c, c.next) }
      failed = await runCommand(deps.testCommand ?? [])
    }
    if (failed !== null) {
      for (const c of changes) {
        tryPut(c, c.ports === null ? renderUpstream(c.app, []) : c.previous)
        fail(results, c, 'nginx-test-failed', `nginx test failed, the last good upstream was kept: ${failed}`)
      }
      return results
    }
    const reloadFailed = deps.reloadCommand === null ? null : await runCommand(deps.reloadCommand)
    const settleMs = deps.settleMs ?? 0
    if (reloadFailed === null && deps.reloadCommand !== null && settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs))
    for (const c of changes) {
      if (reloadFailed !== null) { fail(results, c, 'nginx-reload-failed', `nginx reload failed (the new upstream is written): ${reloadFailed}`); continue }
      if (c.ports === null) synced.delete(c.app)
      else synced.add(c.app)
      errors.delete(c.app)
      results.set(c.app, { ok: true })
      if (deps.reloadCommand !== null) emit(c, 'nginx-reloaded', describeChange(c))
    }
    return results
  }

  /** A reload with no file changed (boot: a file written while no reload command was set is loaded now). */
  async function forcedReload (): Promise<void> {
    const failed = (deps.testCommand === null ? null : await runCommand(deps.testCommand)) ?? (deps.reloadCommand === null ? null : await runCommand(deps.reloadCommand))
    try { deps.onEvent('*', failed === null ? 'nginx-reloaded' : 'nginx-reload-failed', failed ?? 'reloaded once at daemon start', { ports: [], removed: false }) } catch { /* the listener's own problem */ }
  }

  /** The apps that have an upstream file in `dir`. */
  function appsOnDisk (): string[] {
    try { return readdirSync(deps.dir).filter((f) => f.endsWith('.conf')).map((f) => f.slice(0, -'.conf'.length)).filter((a) => SAFE_APP.test(a)) } catch { return [] }
  }

  function put (c: Change, text: string | null): void {
    if (text === null) removeDurably(deps.dir, c.path)
    else writeAtomic(deps.dir, c.path, text)
  }

  /** Restoring is best effort: the test already failed, a second error must not hide the first. */
  function tryPut (c: Change, text: string | null): void {
    try { put(c, text) } catch { /* the failure is reported by the caller */ }
  }

  return {
    publish: (app, ports) => request(app, [...ports]),
    remove: (app) => request(app, null),
    lastError: (app) => errors.get(app) ?? null,
    reloadsNginx: deps.reloadCommand !== null,
    async reconcile (apps) {
      const keep = new Set(apps)
      const stale = appsOnDisk().filter((a) => !keep.has(a))
      // removing a file reloads nginx anyway; with none to remove, one reload is forced
      if (stale.length > 0) await Promise.all(stale.map((a) => request(a, null)))
      else if (deps.reloadCommand !== null) {
        const done = new Promise<void>((resolve) => { forced.push(resolve) })
        kick()
        await done
      }
      return stale
    }
  }
}

/** The reason of an `nginx-reloaded` event. */
function describeChange (c: Change): string {
  if (c.ports === null) return c.next === null ? 'upstream removed' : 'upstream kept as a `down` placeholder: a server block still uses it'
  const ports = [...new Set(c.ports)].sort((a, b) => a - b)
  return ports.length === 0 ? 'upstream: no worker serves (`down` placeholder)' : `upstream: ${ports.join(', ')}`
}
