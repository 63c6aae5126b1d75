// Keeps $SUP_HOME/nginx/<app>.conf equal to the app's serving workers: atomic writes, `nginx -t` first, then reload.
import { execFile } from 'node:child_process'
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { renderUpstream } from '../core/upstream.ts'

export type NginxEventType = 'nginx-test-failed' | 'nginx-reload-failed' | 'nginx-reloaded'

export interface NginxPublisherDeps {
  readonly dir: string
  /** e.g. ['nginx', '-t']; null: no test. */
  readonly testCommand: readonly string[] | null
  /** e.g. ['nginx', '-s', 'reload']; null: write the files only. */
  readonly reloadCommand: readonly string[] | null
  readonly debounceMs: number
  readonly onEvent: (app: string, type: NginxEventType, reason: string, data: Record<string, unknown>) => void
}

export interface PublishResult { readonly ok: boolean; readonly error?: string }

export interface UpstreamPublisher {
  /** Debounced per app; resolves once a write that includes this call is done (and nginx reloaded). */
  publish (app: string, ports: readonly number[]): Promise<PublishResult>
  remove (app: string): Promise<PublishResult>
  lastError (app: string): string | null
}

/** Splits a command line on spaces, honouring '…' and "…" quotes (no shell is ever used). */
export function parseCommand (text: string): string[] {
  const out: string[] = []
  for (const m of text.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '')
  return out
}

function run (cmd: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    const [file, ...args] = cmd
    if (file === undefined) { resolve(null); return }
    execFile(file, args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      resolve(err === null ? null : `${err.message.split('\n')[0] ?? ''}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`)
    })
  })
}

/** temp file in the same directory, fsync, rename over, fsync the directory: never a half-written file. */
function writeAtomic (dir: string, path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`
  const fd = openSync(tmp, 'w', 0o644)
  try { writeSync(fd, text); fsyncSync(fd) } finally { closeSync(fd) }
  renameSync(tmp, path)
  const dfd = openSync(dir, 'r')
  try { fsyncSync(dfd) } finally { closeSync(dfd) }
}

function readOrNull (path: string): string | null {
  try { return readFileSync(path, 'utf8') } catch { return null }
}

export function createNginxPublisher (deps: NginxPublisherDeps): UpstreamPublisher {
  const pending = new Map<string, { ports: readonly number[] | null; waiters: Array<(r: PublishResult) => void>; timer: NodeJS.Timeout }>()
  const errors = new Map<string, string>()
  let chain: Promise<unknown> = Promise.resolve()

  /** One app's write + test + reload; all apps go through one chain so nginx never sees two at once. */
  async function apply (app: string, ports: readonly number[] | null): Promise<PublishResult> {
    mkdirSync(deps.dir, { recursive: true, mode: 0o755 })
    const path = `${deps.dir}/${app}.conf`
    const previous = readOrNull(path)
    const next = ports === null ? null : renderUpstream(app, ports)
    if (next === previous) return { ok: true }
    if (next === null) rmSync(path, { force: true })
    else writeAtomic(deps.dir, path, next)
    if (deps.testCommand !== null) {
      const failed = await run(deps.testCommand)
      if (failed !== null) {
        if (previous === null) rmSync(path, { force: true })
        else writeAtomic(deps.dir, path, previous)
        errors.set(app, `nginx test failed: ${failed}`)
        deps.onEvent(app, 'nginx-test-failed', `nginx test failed, the last good upstream was kept: ${failed}`, { ports: ports ?? [] })
        return { ok: false, error: failed }
      }
    }
    if (deps.reloadCommand === null) return { ok: true }
    const failed = await run(deps.reloadCommand)
    if (failed !== null) {
      errors.set(app, `nginx reload failed: ${failed}`)
      deps.onEvent(app, 'nginx-reload-failed', `nginx reload failed: ${failed}`, { ports: ports ?? [] })
      return { ok: false, error: failed }
    }
    errors.delete(app)
    deps.onEvent(app, 'nginx-reloaded', `upstream: ${ports === null ? 'removed' : ports.length === 0 ? 'no worker (placeholder)' : ports.join(', ')}`, { ports: ports ?? [] })
    return { ok: true }
  }

  function schedule (app: string, ports: readonly number[] | null): Promise<PublishResult> {
    return new Promise((resolve) => {
      const p = pending.get(app)
      if (p !== undefined) clearTimeout(p.timer)
      const waiters = [...(p?.waiters ?? []), resolve]
      const timer = setTimeout(() => {
        pending.delete(app)
        const run = chain.then(() => apply(app, ports)).catch((err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) }))
        chain = run
        void run.then((r) => { for (const w of waiters) w(r) })
      }, deps.debounceMs)
      pending.set(app, { ports, waiters, timer })
    })
  }

  return {
    publish: (app, ports) => schedule(app, [...ports]),
    remove: (app) => schedule(app, null),
    lastError: (app) => errors.get(app) ?? null
  }
}
