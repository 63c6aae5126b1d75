// Apps x instances: creates, scales, stops and deletes apps; on boot rebuilds every app from the store.
import type { AppView, EventView } from '@sup/protocol'
import { DEFAULT_DRAIN_MS, DEFAULT_LOGS, normalizeAppSpec, upgradeSpec, validateEnv, validateName, type AppSpec, type AppSpecInput, MAX_INSTANCES } from '../core/app-spec.ts'
import type { PortRange } from '../core/port-allocator.ts'
import type { EventRecord, StoredApp, StoredWorker, WorkerProcess } from '../core/ports.ts'
import { initialSnapshot } from '../core/worker-machine.ts'
import { parseCount } from '../core/units.ts'
import { rulesOf } from '../core/resource-rules.ts'
import { SUP_ERR_APP_BUSY, SUP_ERR_APP_EXISTS, SUP_ERR_APP_NOT_FOUND, SUP_ERR_INSTANCE_NOT_FOUND, SUP_ERR_INVALID_SPEC } from '../errors.ts'
import { toAppView, toEventView } from './app-view.ts'
import { createWorkerRunner, type RunnerDeps, type WorkerRunner } from './worker-runner.ts'
import { createKeyedQueue } from './keyed-queue.ts'
import { rollingReload, type ReloadContext } from './rolling-reload.ts'
import { createReloadContext } from './reload-context.ts'
import { rollOnto } from './deploy-rollout.ts'
import type { PortBroker } from './port-broker.ts'
import { checkRunnable } from './runnable.ts'
import { workerEnv } from './spawn-spec.ts'
import { applyApp } from './app-apply.ts'

export interface SupervisorDeps extends Omit<RunnerDeps, 'onEvent' | 'broker' | 'onServingChange' | 'onUnhealthy'> {
  readonly broker: PortBroker
  readonly portPool: PortRange
  readonly isFile: (path: string) => Promise<boolean>
  /** Has the execute bit for the daemon's user (absent in fake-filesystem tests). */
  readonly isExecutable?: (path: string) => Promise<boolean>
  /** Removes a worker's output targets (FIFOs) once the worker is gone for good (delete, scale down). */
  readonly removeOutput: (app: string, instance: number) => void
  /** Keeps the nginx upstream of each app equal to its serving workers. */
  readonly publisher: { publish (app: string, ports: readonly number[]): Promise<unknown>; remove (app: string): Promise<unknown>; lastError? (app: string): string | null; readonly reloadsNginx?: boolean }
  /** Starts watching an app's files (`--watch`); onChange is debounced; returns a closer. */
  readonly watchApp: (spec: AppSpec, onChange: (path: string) => void, onReady: () => void) => () => Promise<void>
  /** The last lines a worker printed (for a failed reload's error). */
  readonly readTail: (app: string, instance: number, lines: number) => Promise<string>
  /** Stops processes of an earlier daemon life that carry this daemon's marker prefix, except those with a kept marker. */
  readonly reapStrays: (keepMarkers: ReadonlySet<string>) => Promise<number>
}

export interface AppEntry {
  spec: AppSpec
  desired: 'running' | 'stopped'
  createdAt: number
  runners: Map<number, WorkerRunner>
  /** A reload's new workers, in the upstream once online, not yet in `runners` nor in the store. */
  replacements: Set<WorkerRunner>
  reloading: boolean
}

export type Supervisor = ReturnType<typeof createSupervisor>

/** The supervisor; operations on one app are queued, never interleaved. */
export function createSupervisor (deps: SupervisorDeps) {
  const apps = new Map<string, AppEntry>()
  const listeners = new Set<(e: EventView) => void>()
  const queue = createKeyedQueue()
  const runnerDeps: RunnerDeps = {
    ...deps,
    onEvent: (e) => { publish(e); if (e.instance !== null) void publishUpstream(e.app) },
    onServingChange: (app) => { void publishUpstream(app) },
    onUnhealthy: (app, instance, failures) => { void replaceUnhealthy(app, instance, failures) }
  }

  function publish (e: EventRecord): void { const v = toEventView(e); for (const l of listeners) l(v) }

  /** The ports nginx should send traffic to: online, healthy, not withdrawn (old and new workers alike). */
  function servingPorts (e: AppEntry): number[] {
    return [...e.runners.values(), ...e.replacements].filter((r) => r.isServing() && r.port !== null).map((r) => r.port ?? 0)
  }

  async function publishUpstream (app: string): Promise<void> {
    const e = apps.get(app)
    if (e === undefined) return
    await deps.publisher.publish(app, servingPorts(e)).catch((err: unknown) => deps.onError(err, `${app} upstream`))
  }

  function reloadContext (e: AppEntry, only?: number): ReloadContext {
    return createReloadContext(e, only, { deps, runnerDeps, publishUpstream, appEvent, freshWorker })
  }

  const watchers = new Map<string, () => Promise<void>>()

  /** `--watch`: a change reloads the app (again after a running reload, never interleaved). */
  function startWatching (e: AppEntry): void {
    const name = e.spec.name
    if (e.spec.watch === null || watchers.has(name)) return
    const onChange = (path: string): void => {
      const cur = apps.get(name)
      if (cur === undefined || cur.desired !== 'running') return
      if (cur.reloading) { deps.clock.setTimer(500, () => onChange(path)); return }
      appEvent(name, 'watch', `${path} changed: reloading`, { path })
      reloadApp(name).catch((err: unknown) => appEvent(name, 'watch-reload-failed', err instanceof Error ? err.message : String(err), { path }))
    }
    const onReady = (): void => appEvent(name, 'watching', `watching ${(e.spec.watch ?? []).join(', ')} for changes`, { paths: [...(e.spec.watch ?? [])] })
    try { watchers.set(name, deps.watchApp(e.spec, onChange, onReady)) } catch (err) { deps.onError(err, `${name} watch`) }
  }

  function stopWatching (name: string): void {
    const close = watchers.get(name)
    watchers.delete(name)
    if (close !== undefined) void close().catch(() => undefined)
  }

  /** `sup reload`: one reload per app at a time (a second is refused, never interleaved). */
  async function reloadApp (name: string, shellEnv?: Record<string, string>): Promise<AppView> {
    const e = entry(name)
    if (e.reloading) throw new SUP_ERR_APP_BUSY(name, 'a reload is already running')
    e.reloading = true
    try {
      return await queue.run(`app:${name}`, async () => {
        if (shellEnv !== undefined) updateShellEnv(e, shellEnv)
        setDesired(e, 'running')
        await rollingReload(reloadContext(e))
        return view(e)
      })
    } finally { e.reloading = false }
  }

  /** A deploy or rollback (issue 7): the app's workers rolled onto `spec` as in a reload; the old spec stays on failure. */
  async function deployApp (name: string, spec: AppSpec): Promise<AppView> {
    const e = entry(name)
    if (e.reloading) throw new SUP_ERR_APP_BUSY(name, 'a reload is already running')
    e.reloading = true
    try {
      return await queue.run(`app:${name}`, async () => {
        setDesired(e, 'running')
        await rollOnto(e, spec, { reloadContext, saveSpec: (x) => deps.store.saveApp(stored(x)), onError: deps.onError })
        return view(e)
      })
    } finally { e.reloading = false }
  }

  /** Rolls some instances onto the app's own spec, one at a time (a deploy cut by a crash left them on another release). */
  async function reloadInstances (name: string, instances: readonly number[]): Promise<AppView> {
    const e = entry(name)
    if (e.reloading) throw new SUP_ERR_APP_BUSY(name, 'a reload is already running')
    e.reloading = true
    try {
      return await queue.run(`app:${name}`, async () => {
        for (const i of instances) await rollingReload(reloadContext(e, i))
        return view(e)
      })
    } finally { e.reloading = false }
  }

  /** A worker failing its health check `failures` times: replaced the zero-downtime way (unless a reload runs). */
  async function replaceUnhealthy (app: string, instance: number, failures: number): Promise<void> {
    const e = apps.get(app)
    if (e === undefined || e.reloading) return
    appEvent(app, 'health-restart', `worker ${instance} failed its health check ${failures} times in a row: replacing it`, { instance, failures })
    await queue.run(`app:${app}`, () => rollingReload(reloadContext(e, instance))).catch((err: unknown) => deps.onError(err, `${app}:${instance} health restart`))
  }

  /**
   * Replaces one worker the zero-downtime way (a resource rule fired): false when the app or worker is gone or a
   * reload runs (it replaces the worker anyway). Resolves once the replacement is online (or the attempt failed).
   */
  async function replaceWorker (app: string, instance: number): Promise<boolean> {
    const e = apps.get(app)
    if (e === undefined || e.reloading || e.desired !== 'running' || !e.runners.has(instance)) return false
    await queue.run(`app:${app}`, () => rollingReload(reloadContext(e, instance))).catch((err: unknown) => deps.onError(err, `${app}:${instance} rule restart`))
    return true
  }

  /** Records (and publishes) an event of an app or one of its workers. */
  function recordEvent (app: string, instance: number | null, type: string, reason: string, data: Record<string, unknown> | null): void {
    try { publish(deps.store.addEvent({ time: deps.clock.wallNow(), app, instance, type, from: null, to: null, reason, data })) } catch (err) { deps.onError(err, `${app} event`) }
  }

  function appEvent (app: string, type: string, reason: string, data: Record<string, unknown> | null = null): void {
    try { publish(deps.store.addEvent({ time: deps.clock.wallNow(), app, instance: null, type, from: null, to: null, reason, data })) } catch (err) { deps.onError(err, `${app} event`) }
  }

  function entry (name: string): AppEntry {
    const e = apps.get(name)
    if (e === undefined) throw new SUP_ERR_APP_NOT_FOUND(name)
    return e
  }

  function view (e: AppEntry): AppView {
    return toAppView(e.spec, e.desired, [...e.runners.values()].map((r) => r.record()), deps.publisher.lastError?.(e.spec.name) ?? null)
  }

  function stored (e: AppEntry): StoredApp { return { name: e.spec.name, spec: e.spec, desired: e.desired, createdAt: e.createdAt } }

  function addRunner (e: AppEntry, w: StoredWorker): WorkerRunner {
    const r = createWorkerRunner(runnerDeps, e.spec, w)
    e.runners.set(w.instance, r)
    return r
  }

  const freshWorker = (app: string, instance: number, port: number | null): StoredWorker =>
    ({ app, instance, snapshot: initialSnapshot(), port, marker: null, pidStartTime: null, startedAt: null })

  const normalize = (input: AppSpecInput): AppSpec => normalizeAppSpec(input, { portPool: deps.portPool })

  /** One port per holder from the app's range; none for a --no-port app. */
  const claimPorts = async (spec: AppSpec, holders: readonly string[]): Promise<(number | null)[]> =>
    spec.hasPort ? deps.broker.claim(spec.portRange, holders) : holders.map(() => null)

  /**
   * Waits until the runners are online or failed, then until nginx routes to the online ones: a `sup start` that
   * returned means new connections reach every worker that came up (a publish resolves after any in flight).
   */
  async function settle (runners: Iterable<WorkerRunner>, spec: AppSpec): Promise<void> {
    const bound = new Promise<void>((resolve) => { deps.clock.setTimer(spec.listenTimeoutMs + 2_000, resolve) })
    await Promise.race([Promise.all([...runners].map((r) => r.settled())), bound])
    // without nginx the file is written ~50 ms later (debounce); only a reload is worth the wait
    if (deps.publisher.reloadsNginx === false) void publishUpstream(spec.name)
    else await publishUpstream(spec.name)
  }

  async function createApp (input: AppSpecInput, wait: boolean): Promise<AppView> {
    const spec = normalize(input)
    await checkRunnable(spec, deps)
    return queue.run(`app:${spec.name}`, async () => {
      if (apps.has(spec.name)) throw new SUP_ERR_APP_EXISTS(spec.name)
      const holders = Array.from({ length: spec.instances }, (_, i) => `${spec.name}:${i}`)
      const ports = await claimPorts(spec, holders)
      const workers = ports.map((port, i) => freshWorker(spec.name, i, port))
      const e: AppEntry = { spec, desired: 'running', createdAt: deps.clock.wallNow(), runners: new Map(), replacements: new Set(), reloading: false }
      try { deps.store.createApp(stored(e), workers) } catch (err) {
        ports.forEach((p, i) => { if (p !== null) deps.broker.release(p, holders[i] ?? '') })
        throw err
      }
      apps.set(spec.name, e)
      appEvent(spec.name, 'create', `created with ${spec.instances} instance(s)`, { instances: spec.instances })
      const runners = workers.map((w) => addRunner(e, w))
      for (const r of runners) r.start('app started')
      startWatching(e)
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

  /** `--update-env`: the stored shell environment is replaced before a restart or reload applies it. */
  function updateShellEnv (e: AppEntry, shellEnv: Record<string, string>): void {
    const spec = { ...e.spec, shellEnv: validateEnv('shellEnv', shellEnv) }
    deps.store.saveApp({ ...stored(e), spec })
    e.spec = spec
    for (const r of e.runners.values()) r.setSpec(spec)
  }

  function runnerOf (e: AppEntry, instance: number): WorkerRunner {
    const r = e.runners.get(instance)
    if (r === undefined) throw new SUP_ERR_INSTANCE_NOT_FOUND(e.spec.name, String(instance))
    return r
  }

  /** `sup stop api:1`: one worker stops; the app stays running (`sup start api` brings it back). */
  async function stopInstance (name: string, instance: number): Promise<AppView> {
    return queue.run(`app:${name}`, async () => {
      const e = entry(name)
      await runnerOf(e, instance).stop('stopped by request')
      return view(e)
    })
  }

  /** `sup restart api:1`: one worker stopped and started again. */
  async function restartInstance (name: string, instance: number): Promise<AppView> {
    return queue.run(`app:${name}`, async () => {
      const e = entry(name)
      const r = runnerOf(e, instance)
      setDesired(e, 'running')
      await r.stop('restart requested')
      r.start('restarted by request')
      await settle([r], e.spec)
      return view(e)
    })
  }

  async function restartApp (name: string, shellEnv?: Record<string, string>): Promise<AppView> {
    return queue.run(`app:${name}`, async () => {
      const e = entry(name)
      if (shellEnv !== undefined) updateShellEnv(e, shellEnv)
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
        const ports = await claimPorts(e.spec, holders)
        const spec = { ...e.spec, instances: n }
        const workers = ports.map((p, i) => freshWorker(name, old + i, p))
        try {
          deps.store.saveApp({ ...stored(e), spec })
          for (const w of workers) deps.store.saveWorker(w)
        } catch (err) { ports.forEach((p, i) => { if (p !== null) deps.broker.release(p, holders[i] ?? '') }); throw err }
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
      stopWatching(name)
      await deps.publisher.remove(name).catch((err: unknown) => deps.onError(err, `${name} upstream`))
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
      const spec: AppSpec = { ...upgradeSpec(app.spec), logMaxSize: old.logMaxSize ?? DEFAULT_LOGS.maxSize, logFiles: old.logFiles ?? DEFAULT_LOGS.files, health: old.health ?? null, drainMs: old.drainMs ?? DEFAULT_DRAIN_MS, watch: old.watch ?? null, watchIgnore: old.watchIgnore ?? [], ...rulesOf(old) }
      const e: AppEntry = { spec, desired: app.desired, createdAt: app.createdAt, runners: new Map(), replacements: new Set(), reloading: false }
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
      startWatching(e)
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
    /** PUT /apps/:app: create, or roll a running app onto its changed definition (app-apply.ts). */
    applyApp: (input: AppSpecInput & { name: string }): Promise<AppView> => applyApp({
      specOf: (n) => apps.get(n)?.spec,
      desiredOf: (n) => apps.get(n)?.desired,
      normalize,
      check: (spec) => checkRunnable(spec, deps),
      createApp,
      deployApp,
      scaleApp,
      startApp,
      getApp: (n) => view(entry(n))
    }, input),
    stopInstance,
    restartInstance,
    /** The environment worker `instance` runs with (for `sup env`; values leave only on request). */
    workerEnv: (name: string, instance: number): Record<string, string> => {
      const e = entry(name)
      return workerEnv(e.spec, instance, runnerOf(e, instance).port, deps.baseEnv)
    },
    /** `sup reload api:1`: that worker replaced the zero-downtime way. */
    reloadInstance: (name: string, instance: number): Promise<AppView> => { runnerOf(entry(name), instance); return reloadInstances(name, [instance]) },
    stopApp,
    startApp,
    restartApp,
    scaleApp,
    deleteApp,
    reloadApp,
    deployApp,
    reloadInstances,
    /** The app's full spec (env values included: for the daemon's own use, never for a response). */
    specOf: (name: string): AppSpec | undefined => apps.get(name)?.spec,
    replaceWorker,
    recordEvent,
    servingPorts: (name: string): number[] => servingPorts(entry(name)),
    getApp: (name: string): AppView => view(entry(name)),
    listApps: (): AppView[] => [...apps.values()].map(view).sort((a, b) => a.name.localeCompare(b.name)),
    events: (q: { app?: string | undefined; limit: number }): EventView[] => deps.store.listEvents(q).map(toEventView),
    onEvent (fn: (e: EventView) => void): () => void { listeners.add(fn); return () => listeners.delete(fn) }
  }
}
