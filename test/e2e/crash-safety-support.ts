// Helpers of the crash-safety e2e tests: kill and revive the daemon, map workers to pids, hammer ports, read worker logs.
import { readdirSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { onTestFinished } from 'vitest'
import type { AppList } from '../../packages/protocol/src/index.ts'
import { daemonPid, isGone, pidsWithHome, runSup, supJson, useSupHome, waitFor } from '@sup/test-support'

/** useSupHome(), plus: sup-logd (which useSupHome does not know) and any daemon of this home are killed after the test. */
export function useHome (): string {
  const home = useSupHome()
  onTestFinished(() => { for (const pid of pidsWithHome(home)) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } } })
  return home
}

/** SIGKILLs the daemon of `home` and waits until no thread of it is left (its socket is closed); returns the pid. */
export async function killDaemon (home: string): Promise<number> {
  const pid = daemonPid(home)
  if (pid === null) throw new Error(`no daemon runs for ${home}`)
  process.kill(pid, 'SIGKILL')
  await waitFor(() => isGone(pid), { timeoutMs: 5_000, what: `daemon ${pid} to die` })
  return pid
}

/** `sup list --json`, which starts a new daemon when none answers. */
export function listApps (home: string): Promise<AppList> {
  return supJson<AppList>(home, ['list'])
}

/** `app:instance` -> pid of every worker that has a process. */
export function workerPids (list: AppList): Map<string, number> {
  const m = new Map<string, number>()
  for (const app of list.apps) for (const w of app.workers) if (w.pid !== null) m.set(`${app.name}:${w.instance}`, w.pid)
  return m
}

/** Every worker's port, in app then instance order. */
export function workerPorts (list: AppList): number[] {
  return list.apps.flatMap((a) => a.workers.map((w) => w.port ?? 0))
}

/** `sup start <script> ...` that must succeed. */
export async function startApp (home: string, script: string, args: readonly string[]): Promise<void> {
  const r = await runSup(home, ['start', script, ...args])
  if (r.code !== 0) throw new Error(`sup start ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
}

/** One GET with a fresh connection (agent false); resolves true on a 200 with a body, false on anything else. */
function getOnce (port: number, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => resolve(res.statusCode === 200 && body !== '' ? { ok: true } : { ok: false, error: `HTTP ${res.statusCode ?? 0}` }))
      res.on('error', (err) => resolve({ ok: false, error: err.message }))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err) => resolve({ ok: false, error: err.message }))
    req.end()
  })
}

export interface HammerResult {
  readonly requests: number
  readonly failures: string[]
  /** True when the loop hit its bound before stop() was called (it did not cover the whole experiment). */
  readonly endedEarly: boolean
}

export interface Hammer {
  /** Stops the loop and resolves with what it saw. */
  stop (): Promise<HammerResult>
}

/** Requests every port in turn, one at a time, until stopped or `maxRequests` / `maxMs` is reached (bounded). */
export function hammer (ports: readonly number[], opts: { maxRequests: number; maxMs: number }): Hammer {
  let isStopped = false
  let requests = 0
  const failures: string[] = []
  const deadline = performance.now() + opts.maxMs
  const loop = (async () => {
    while (!isStopped && requests < opts.maxRequests && performance.now() < deadline) {
      const port = ports[requests % ports.length] ?? 0
      requests++
      const r = await getOnce(port, 2_000)
      if (!r.ok) failures.push(`port ${port}: ${r.error ?? '?'}`)
    }
  })()
  let endedEarly = false
  void loop.then(() => { if (!isStopped) endedEarly = true })
  return {
    async stop () {
      isStopped = true
      await loop
      return { requests, failures, endedEarly }
    }
  }
}

export interface LogRecord { time: number; stream: string; text: string }

/** The records of logs/<app>-<i>.log (format: docs/logs.md), oldest first, rotated files included. */
export function readWorkerLog (home: string, app: string, instance: number): LogRecord[] {
  const base = `${home}/logs/${app}-${instance}.log`
  const files = readdirSync(`${home}/logs`).filter((f) => f.startsWith(`${app}-${instance}.log`)).map((f) => `${home}/logs/${f}`)
  const rank = (f: string): number => (f === base ? 0 : Number(f.slice(base.length + 1)))
  const out: LogRecord[] = []
  for (const f of files.sort((a, b) => rank(b) - rank(a))) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const m = /^(\S+) (\S+) (.*)$/.exec(line)
      if (m !== null) out.push({ time: Date.parse(m[1] ?? ''), stream: m[2] ?? '', text: m[3] ?? '' })
    }
  }
  return out
}
