// Apps x instances: creates, scales, stops and deletes apps; on boot rebuilds every app from the store.
import type { AppView, EventView } from '@sup/protocol'
import { DEFAULT_LOGS, normalizeAppSpec, validateName, type AppSpec, type AppSpecInput, MAX_INSTANCES } from '../core/app-spec.ts'
import type { PortRange } from '../core/port-allocator.ts'
import type { EventRecord, StoredApp, StoredWorker, WorkerProcess } from '../core/ports.ts'
import { initialSnapshot } from '../core/worker-machine.ts'
import { parseCount } from '../core/units.ts'
import { SUP_ERR_APP_EXISTS, SUP_ERR_APP_NOT_FOUND, SUP_ERR_INVALID_SPEC, SUP_ERR_SCRIPT_NOT_FOUND } from '../errors.ts'
import { toAppView, toEventView } from './app-view.ts'
import { createWorkerRunner, type RunnerDeps, type WorkerRunner } from './worker-runner.ts'
import { createKeyedQueue } from './keyed-queue.ts'
import type { PortBroker } from './port-broker.ts'

export interface SupervisorDeps extends Omit<RunnerDeps, 'onEvent' | 'broker'> {
  readonly broker: PortBroker
  readonly portPool: PortRange
  readonly isFile: (path: string) => Promise<boolean>
  /** Removes a worker's output targets (FIFOs) once the worker is gone for good (delete, scale down). */
  readonly removeOutput: (app: string, instance: number) => void
  /** Stops processes of an earlier daemon life that carry this daemon's marker prefix, except those with a kept marker. */
  readonly reapStrays: (keepMarkers: ReadonlySet<string>) => Promise<number>
}

interface AppEntry { spec: AppSpec; desired: 'running' | 'stopped'; createdAt: number; runners: Map<number, WorkerRunner> }

export type Supervisor = ReturnType<typeof createSupervisor>

/** The supervisor; operations on one app are queued, never interleaved. */
export function createSupervisor (deps: SupervisorDeps) {
  const apps = new Map<string, AppEntry>()
  const listeners = new Set<(e: EventView) => void>()
  const queue = createKeyedQueue()
  const runnerDeps: RunnerDeps = { ...deps, onEvent: (e) => publish(e) }

  function publish (e: EventRecord): void { const v = toEventView(e); for (const l of listeners) l(v) }

  function appEvent (app: string, type: string, reason: string, data: Record<string, unknown> | null = null): void {
    try { publish(deps.store.addEvent({ time: deps.clock.wallNow(), app, instance: null, type, from: null, to: null, reason, data })) } catch (err) { deps.onError(err, `${app} event`) }
  }

  function entry (name: string): AppEntry {
    const e = apps.get(name)
    if (e === undefined) throw new SUP_ERR_APP_NOT_FOUND(name)
    return e
  }

  function view (e: AppEntry): AppView {
    return toAppView(e.spec, e.desired, [...e.runners.values()].map((r) => r.record()))
  }

  function stored (e: AppEntry): StoredApp { return { name: e.spec.name, spec: e.spec, desired: e.desired, createdAt: e.createdAt } }

  function addRunner (e: AppEntry, w: StoredWorker): WorkerRunner {
    const r = createWorkerRunner(runnerDeps, e.spec, w)
    e.runners.set(w.instance, r)
    return r
  }

  const freshWorker = (app: string, instance: number, port: number): StoredWorker =>
    ({ app, instance, snapshot: initialSnapshot(), port, marker: null, pidStartTime: null, startedAt: null })

  async function settle (runners: Iterable<WorkerRunner>, spec: AppSpec): Promise<void> {
    const bound = new Promise<void>((resolve) => { deps.clock.setTimer(spec.listenTimeoutMs + 2_000, resolve) })
    await Promise.race([Promise.all([...runners].map((r) => r.settled())), bound])
  }

  async function createApp (input: AppSpecInput, wait: boolean): Promise<AppView> {
    const spec = normalizeAppSpec(input, { portPool: deps.portPool })
    if (!(await deps.isFile(spec.script))) throw new SUP_ERR_SCRIPT_NOT_FOUND(spec.script)
    return queue.run(`app:${spec.name}`, async () => {
      if (apps.has(spec.name)) throw new SUP_ERR_APP_EXISTS(spec.name)
      const holders = Array.from({ length: spec.instances }, (_, i) => `${spec.name}:${i}`)
      const ports = await deps.broker.claim(spec.portRange, holders)
      const workers = ports.map((port, i) => freshWorker(spec.name, i, port))
      const e: AppEntry = { spec, desired: 'running', createdAt: deps.clock.wallNow(), runners: new Map() }
      try { deps.store.createApp(stored(e), workers) } catch (err) {
        ports.forEach((p, i) => deps.broker.release(p, holders[i] ?? ''))
        throw err
      }
      apps.set(spec.name, e)
      appEvent(spec.name, 'create', `created with ${spec.instances} instance(s)`, { instances: spec.instances })
      const runners = workers.map((w) => addRunner(e, w))
      for (const r of runners) r.start('app started')
      if (wait) await settle(runners, spec)
      return view(e)
    })
  }

  function setDesired (e: AppEntry, desired: 'running' | 'stopped'): void {
    if (e.desired === desired) return
    deps.store.saveApp({ ...stored(e), desired })
    e.desired = desired
  }

  async function stopApp (name: string): Promise<AppView> {
    return queue.run(`app:${name}`, async () => {
      const e = entry(name)
      setDesired(e, 'stopped')
      await Promise.all([...e.runners.values()].map((r) => r.stop('stopped by request')))
      return view(e)
    })
  }

  async function startApp (name: string): Promise<AppView> {
    return queue.run(`app:${name}`, async () => {
      const e = entry(name)
      setDesired(e, 'running')
      for (const r of e.runners.values()) r.start('started by request')
      await settle(e.runners.values(), e.spec)
      return view(e)
    })
  }

  async function restartApp (name: string): Promise<AppView> {
    return queue.run(`app:${name}`, async () => {
      const e = entry(name)
      setDesired(e, 'running')
      await Promise.all([...e.runners.values()].map(async (r) => {
        await r.stop('restart requested')
        r.start('restarted by request')
      }))
      await settle(e.runners.values(), e.spec)
      return view(e)
    })
  }

  async function scaleApp (name: string, instancesInput: number | string): Promise<AppView> {
    validateName(name, 'app')
    const n = parseCount(instancesInput)
    if (n === undefined || n < 1 || n > MAX_INSTANCES) throw new SUP_ERR_INVALID_SPEC('instances', `'${String(instancesInput)}' must be a whole number from 1 to ${MAX_INSTANCES} (use \`sup stop\` to stop an app)`)
    return queue.run(`app:${name}`, async () => {
      const e = entry(name)
      const old = e.spec.instances
      if (n > old) {
        const holders = Array.from({ length: n - old }, (_, i) => `${name}:${old + i}`)
        const ports = await deps.broker.claim(e.spec.portRange, holders)
        const spec = { ...e.spec, instances: n }
        const workers = ports.map((p, i) => freshWorker(name, old + i, p))
        try {
          deps.store.saveApp({ ...stored(e), spec })
          for (const w of workers) deps.store.saveWorker(w)
        } catch (err) { ports.forEach((p, i) => deps.broker.release(p, holders[i] ?? '')); throw err }
        e.spec = spec
        for (const r of e.runners.values()) r.setSpec(spec)
        const added = workers.map((w) => addRunner(e, w))
        if (e.desired === 'running') { for (const r of added) r.start('scaled up'); await settle(added, spec) }
      } else if (n < old) {
        const spec = { ...e.spec, instances: n }
        deps.store.saveApp({ ...stored(e), spec })
        e.spec = spec
        await Promise.all([...e.runners.values()].filter((r) => r.instance >= n).map((r) => finishScaleDown(e, r)))
      }
      appEvent(name, 'scale', `scaled from ${old} to ${n}`, { from: old, to: n })
      return view(e)
    })
  }

  async function deleteApp (name: string): Promise<string> {
    return queue.run(`app:${name}`, async () => {
      const e = entry(name)
      setDesired(e, 'stopped')
      await Promise.all([...e.runners.values()].map((r) => r.stop('app deleted')))
      deps.store.deleteApp(name)
      for (const r of e.runners.values()) {
        deps.removeOutput(name, r.instance)
        if (r.port !== null) deps.broker.release(r.port, `${name}:${r.instance}`)
      }
      apps.delete(name)
      appEvent(name, 'delete', 'app deleted')
      return name
    })
  }

  /** A scale down the previous daemon did not finish: stop the worker, then forget it. */
  async function finishScaleDown (e: AppEntry, r: WorkerRunner): Promise<void> {
    await r.stop('scaled down')
    deps.store.deleteWorker(e.spec.name, r.instance)
    deps.removeOutput(e.spec.name, r.instance)
    if (r.port !== null) deps.broker.release(r.port, `${e.spec.name}:${r.instance}`)
    e.runners.delete(r.instance)
  }

  /** Finds the live process of a stored worker: same pid, same start time, same marker — never the pid alone. */
  function findAlive (w: StoredWorker, marked: ReadonlyMap<string, readonly number[]>): WorkerProcess | null {
    const { pid } = w.snapshot
    if (pid === null || w.marker === null || w.pidStartTime === null) return null
    if (!(marked.get(w.marker)?.includes(pid) ?? false)) return null
    if (deps.procs.startTime(pid) !== w.pidStartTime) return null
    return deps.spawner.adopt(pid, w.marker, w.pidStartTime)
  }

  /**
   * Rebuilds every app from the store. Workers still running from an earlier daemon life are adopted
   * (same pids, ports, counts); marked processes that match no stored worker are stopped; the rest is
   * brought to the wanted state. Nothing is ever doubled: a worker found alive is never spawned again.
   */
  async function boot (): Promise<{ adopted: number; strays: number }> {
    const marked = new Map<string, number[]>()
    for (const { pid, marker } of deps.procs.findMarked(`${deps.markerPrefix}:`)) marked.set(marker, [...(marked.get(marker) ?? []), pid])
    const workers = deps.store.listWorkers()
    const adoptees = new Map<StoredWorker, WorkerProcess>()
    for (const w of workers) {
      const p = findAlive(w, marked)
      if (p !== null && w.marker !== null) adoptees.set(w, p)
    }
    const keep = new Set([...adoptees.keys()].map((w) => w.marker ?? ''))
    const strays = await deps.reapStrays(keep)
    for (const app of deps.store.listApps()) {
      // Specs stored by an older sup lack newer fields: give them the defaults.
      const old: Partial<AppSpec> = app.spec
      const spec: AppSpec = { ...app.spec, logMaxSize: old.logMaxSize ?? DEFAULT_LOGS.maxSize, logFiles: old.logFiles ?? DEFAULT_LOGS.files }
      const e: AppEntry = { spec, desired: app.desired, createdAt: app.createdAt, runners: new Map() }
      apps.set(app.name, e)
      let adopted = 0
      for (const w of workers.filter((x) => x.app === app.name)) {
        const p = adoptees.get(w) ?? null
        if (p !== null) adopted++
        // Hold the worker's pipes again (an adopted worker keeps writing into them)
        try { deps.prepareOutput(spec, w.instance) } catch (err) { deps.onError(err, `${app.name}:${w.instance} output`) }
        addRunner(e, w).resume(p)
      }
      for (const r of [...e.runners.values()]) {
        const state = r.record().snapshot.state
        if (r.instance >= spec.instances) void finishScaleDown(e, r)
        else if (e.desired === 'stopped') void r.stop('app is stopped')
        else if (state === 'stopping') void r.stop('finishing a stop in flight').then(() => r.start('restart in flight finished'))
        // A daemon restart is invisible to the workers: errored waits for retryIn or `sup restart` (a fresh
        // flapping budget here would let a crash loop outlive its limit), exited stays as its policy left it.
        else if (state !== 'errored' && state !== 'exited') r.start('daemon started')
      }
      appEvent(app.name, 'restore', `restored by a new daemon: ${adopted} worker(s) adopted, desired ${e.desired}${strays > 0 ? `; ${strays} stray process(es) stopped` : ''}`, { adopted, strays })
    }
    return { adopted: adoptees.size, strays }
  }

  /** Stops every worker (desired states are kept, so the next daemon brings them back). */
  async function shutdown (): Promise<void> {
    await Promise.all([...apps.values()].flatMap((e) => [...e.runners.values()].map((r) => r.stop('daemon shutting down'))))
  }

  return {
    boot,
    shutdown,
    createApp,
    stopApp,
    startApp,
    restartApp,
    scaleApp,
    deleteApp,
    getApp: (name: string): AppView => view(entry(name)),
    listApps: (): AppView[] => [...apps.values()].map(view).sort((a, b) => a.name.localeCompare(b.name)),
    events: (q: { app?: string | undefined; limit: number }): EventView[] => deps.store.listEvents(q).map(toEventView),
    onEvent (fn: (e: EventView) => void): () => void { listeners.add(fn); return () => listeners.delete(fn) }
  }
}
