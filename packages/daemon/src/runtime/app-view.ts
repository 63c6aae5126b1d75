// Maps stored apps and workers to the API's views. Env values never leave the daemon: only their keys.
import type { AppSpecView, AppView, EventView, WorkerView } from '@sup/protocol'
import type { AppSpec } from '../core/app-spec.ts'
import type { EventRecord, StoredWorker } from '../core/ports.ts'
import { rulesView } from './usage-views.ts'

export function toSpecView (s: AppSpec): AppSpecView {
  return {
    name: s.name,
    script: s.script,
    args: [...s.args],
    cwd: s.cwd,
    instances: s.instances,
    portRange: { from: s.portRange.from, to: s.portRange.to },
    envKeys: Object.keys(s.env).sort(),
    interpreter: s.interpreter,
    hasPort: s.hasPort,
    readyAfterMs: s.readyAfterMs,
    restart: s.restart,
    restartDelayMs: s.restartDelayMs,
    maxRestartDelayMs: s.maxRestartDelayMs,
    minUptimeMs: s.minUptimeMs,
    maxRestarts: s.maxRestarts,
    restartWindowMs: s.restartWindowMs,
    retryInMs: s.retryInMs,
    listenTimeoutMs: s.listenTimeoutMs,
    killTimeoutMs: s.killTimeoutMs,
    killSignal: s.killSignal,
    waitReady: s.waitReady,
    logMaxSize: s.logMaxSize,
    logFiles: s.logFiles,
    health: s.health === null ? null : { ...s.health },
    drainMs: s.drainMs,
    watch: s.watch === null ? null : [...s.watch],
    watchIgnore: [...s.watchIgnore],
    ...rulesView(s)
  }
}

export function toWorkerView (w: StoredWorker, retryAt: number | null = null): WorkerView {
  const running = w.snapshot.state === 'online' || w.snapshot.state === 'starting' || w.snapshot.state === 'stopping'
  return {
    app: w.app,
    instance: w.instance,
    state: w.snapshot.state,
    pid: running ? w.snapshot.pid : null,
    port: w.port,
    restarts: w.snapshot.restarts,
    startedAt: running ? w.startedAt : null,
    lastExit: w.snapshot.lastExit === null ? null : { code: w.snapshot.lastExit.code, signal: w.snapshot.lastExit.signal },
    ...(retryAt === null ? {} : { retryAt })
  }
}

export function toAppView (spec: AppSpec, desired: 'running' | 'stopped', workers: readonly StoredWorker[], nginxError: string | null = null, replacing = 0, retryAt: ReadonlyMap<number, number> = new Map()): AppView {
  return { name: spec.name, desired, spec: toSpecView(spec), workers: workers.map((w) => toWorkerView(w, retryAt.get(w.instance) ?? null)).sort((a, b) => a.instance - b.instance), nginxError, replacing }
}

export function toEventView (e: EventRecord): EventView {
  return { id: e.id, time: e.time, app: e.app, instance: e.instance, type: e.type, from: e.from, to: e.to, reason: e.reason, data: e.data === null ? null : { ...e.data } }
}
