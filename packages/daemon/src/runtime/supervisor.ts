// Apps x instances: creates, scales, stops and deletes apps; on boot rebuilds every app from the store.
import type { AppView, EventView } from '@sup/protocol'
import { normalizeAppSpec, validateName, type AppSpec, type AppSpecInput, MAX_INSTANCES } from '../core/app-spec.ts'
import type { PortRange } from '../core/port-allocator.ts'
import type { EventRecord, StoredApp, StoredWorker } from '../core/ports.ts'
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
  /** Stops processes of an earlier daemon life that carry this daemon's marker prefix. */
  readonly reapStrays: () => Promise<number>
}

interface AppEntry { spec: AppSpec; desired: 'running' | 'stopped'; createdAt: number; runners: Map<number, WorkerRunner & { readonly port: number | null }> }

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
    const r = createWorkerRunner(runnerDeps, e.spec, w) as WorkerRunner & { readonly port: number | null }
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
        const gone = [...e.runners.values()].filter((r) => r.instance >= n)
        await Promise.all(gone.map((r) => r.stop('scaled down')))
        for (const r of gone) {
          deps.store.deleteWorker(name, r.instance)
          if (r.port !== null) deps.broker.release(r.port, `${name}:${r.instance}`)
          e.runners.delete(r.instance)
        }
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
      for (const r of e.runners.values()) if (r.port !== null) deps.broker.release(r.port, `${name}:${r.instance}`)
      apps.delete(name)
      appEvent(name, 'delete', 'app deleted')
      return name
    })
  }

  /** Rebuilds every app from the store; stops strays of an earlier life; starts what should run. */
  async function boot (): Promise<void> {
    const strays = await deps.reapStrays()
    const workers = deps.store.listWorkers()
    for (const app of deps.store.listApps()) {
      const e: AppEntry = { spec: app.spec, desired: app.desired, createdAt: app.createdAt, runners: new Map() }
      apps.set(app.name, e)
      for (const w of workers.filter((x) => x.app === app.name)) {
        const snapshot = { ...w.snapshot, state: 'stopped' as const, pid: null }
        const reset = { ...w, snapshot, marker: null, pidStartTime: null, startedAt: null }
        deps.store.saveWorker(reset)
        addRunner(e, reset)
      }
      if (e.desired === 'running') for (const r of e.runners.values()) r.start('daemon started')
      appEvent(app.name, 'restore', `restored by the daemon (desired ${e.desired}${strays > 0 ? `, ${strays} stray process(es) stopped` : ''})`)
    }
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
