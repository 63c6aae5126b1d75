// Drives one worker: feeds events to the pure state machine and carries out its effects through the ports.
import type { AppSpec } from '../core/app-spec.ts'
import type { Clock, EventRecord, PortProbe, ProcessTable, Spawner, StateStore, StoredWorker, WorkerProcess } from '../core/ports.ts'
import { notReadyWhy } from '../core/not-ready.ts'
import { decideReplacement } from '../core/restart-policy.ts'
import { transition, type Effect, type TimerName, type WorkerEvent, type WorkerSnapshot, type WorkerState } from '../core/worker-machine.ts'
import type { PortBroker } from './port-broker.ts'
import { buildSpawnSpec, type OutputPaths } from './spawn-spec.ts'
import { startHealthChecks, type HttpCheck } from './health-checker.ts'

export interface RunnerDeps {
  readonly clock: Clock
  readonly spawner: Spawner
  readonly probe: PortProbe
  readonly procs: ProcessTable
  readonly store: StateStore
  readonly broker: PortBroker
  readonly random: () => number
  /** Makes sure the worker's output targets exist (FIFOs + rotation settings) and says where they are. */
  readonly prepareOutput: (spec: AppSpec, instance: number) => OutputPaths
  /** Prefix of every marker this daemon gives out (one per SUP_HOME). */
  readonly markerPrefix: string
  readonly baseEnv: Readonly<Record<string, string>>
  readonly onEvent: (e: EventRecord) => void
  readonly onError: (err: unknown, where: string) => void
  readonly httpCheck: HttpCheck
  /** The worker's place in the upstream may have changed (health, withdrawal). */
  readonly onServingChange: (app: string) => void
  /** Its health check failed `failures` times in a row: the supervisor replaces it (`pid`: the process that failed). */
  readonly onUnhealthy: (app: string, instance: number, failures: number, pid: number | null) => void
}

export interface RunnerOptions {
  /** False for a reload's replacement until it takes the old worker's place (one row per instance). */
  readonly persist?: boolean
}

export interface WorkerRunner {
  readonly instance: number
  /** The port the worker holds (kept across restarts), null before the first claim. */
  readonly port: number | null
  record (): StoredWorker
  /** Wall-clock ms when the worker's next retry (backoff) or re-arm (errored) is due; null when none is scheduled. */
  retryAt (): number | null
  /** Asks the worker to run; a no-op when it already does. */
  start (reason: string): void
  /** Resolves once the worker is stopped and no process of its tree is left. */
  stop (reason: string): Promise<void>
  /** Resolves once the worker has left `starting` (online, or failed its start). */
  settled (): Promise<void>
  setSpec (spec: AppSpec): void
  /** Online, passing its health check and not withdrawn: the upstream lists it. */
  isServing (): boolean
  /** Takes it out of (or puts it back into) the upstream without touching the process. */
  setWithdrawn (withdrawn: boolean): void
  /** Starts persisting (a replacement that took its instance's place); writes its record now. */
  setPersist (persist: boolean): void
  /** Picks the worker up after a daemon restart: `proc` is its adopted process, or null when none was found alive. */
  resume (proc: WorkerProcess | null): void
  /**
   * Counts a restart that is no exit (`sup restart`, health, rule, cron): +1 restart and one more in the flapping window.
   * Returns null, or why it was not counted: the window is full (the caller stops the worker and gives up on it).
   */
  countRestart (): string | null
  /** A stopped worker that was replaced too often goes errored, re-armed after retryIn like a crash loop. */
  giveUp (reason: string): void
}

/** Creates the runner of one worker from its stored record (state `stopped` unless re-adopted later). */
export function createWorkerRunner (deps: RunnerDeps, initialSpec: AppSpec, stored: StoredWorker, opts: RunnerOptions = {}): WorkerRunner {
  let persistent = opts.persist ?? true
  let withdrawn = false
  let healthy = true
  let retryAt: number | null = null
  let stopHealth: () => void = () => undefined
  let spec = initialSpec
  const instance = stored.instance
  const holder = `${spec.name}:${instance}`
  // Restart times are monotonic in memory and wall-clock in the store (they must survive a daemon restart).
  const toMono = (wall: number): number => deps.clock.now() - (deps.clock.wallNow() - wall)
  const toWall = (mono: number): number => deps.clock.wallNow() - (deps.clock.now() - mono)
  let snap: WorkerSnapshot = { ...stored.snapshot, restartTimes: stored.snapshot.restartTimes.map(toMono) }
  let port = stored.port
  let marker = stored.marker
  let pidStartTime = stored.pidStartTime
  let startedAt = stored.startedAt
  let proc: WorkerProcess | null = null
  let dying: Promise<void> = Promise.resolve()
  let generation = 0
  let readiness: AbortController | null = null
  const timers = new Map<TimerName, () => void>()
  const waiters = new Set<() => void>()

  // `persist` runs before `reap`, so tie the process identity to the snapshot's pid: a record without a pid names no process.
  const record = (): StoredWorker => ({
    app: spec.name, instance, snapshot: { ...snap, restartTimes: snap.restartTimes.map(toWall) }, port,
    // The marker is written before the spawn it names; once the process is gone it names nothing
    marker: snap.pid === null && snap.state !== 'starting' ? null : marker,
    pidStartTime: snap.pid === null ? null : pidStartTime,
    startedAt: snap.pid === null ? null : startedAt
  })

  function dispatch (e: WorkerEvent): void {
    const step = transition(snap, e, { policy: spec, now: deps.clock.now(), random: deps.random })
    const from = snap.state
    snap = step.snapshot
    for (const effect of step.effects) apply(effect)
    if (from !== 'online' && snap.state === 'online') watchHealth()
    if (from === 'online' && snap.state !== 'online') { stopHealth(); healthy = true }
    for (const w of [...waiters]) w()
  }

  function safeDispatch (e: WorkerEvent): void {
    try { dispatch(e) } catch (err) { deps.onError(err, `${holder} ${e.type}`) }
  }

  function watchHealth (): void {
    stopHealth()
    if (spec.health === null || port === null) return
    stopHealth = startHealthChecks(deps.clock, deps.httpCheck, spec.health, port, {
      changed (ok, failures) {
        healthy = ok
        emit(ok ? 'healthy' : 'unhealthy', snap.state, ok ? `health check ${spec.health?.path ?? ''} passes again` : `health check ${spec.health?.path ?? ''} failed (${failures} in a row)`, { failures })
        deps.onServingChange(spec.name)
      },
      exhausted (failures) { deps.onUnhealthy(spec.name, instance, failures, snap.pid) }
    })
  }

  function persist (): void {
    if (!persistent) return
    try { deps.store.saveWorker(record()) } catch (err) { deps.onError(err, `${holder} persist`) }
  }

  function apply (effect: Effect): void {
    switch (effect.type) {
      case 'persist': persist(); return
      case 'emit': emit(effect.to, effect.from, effect.reason, effect.data ?? null); return
      case 'cancel-timers':
        for (const cancel of timers.values()) cancel()
        timers.clear()
        retryAt = null
        readiness?.abort()
        readiness = null
        return
      case 'arm-timer':
        timers.get(effect.timer)?.()
        if (effect.timer === 'retry' || effect.timer === 'rearm') retryAt = deps.clock.wallNow() + effect.ms
        timers.set(effect.timer, deps.clock.setTimer(effect.ms, () => {
          timers.delete(effect.timer)
          if (effect.timer === 'retry' || effect.timer === 'rearm') retryAt = null
          if (effect.timer === 'listen') listenTimeUp()
          else safeDispatch({ type: 'timer', timer: effect.timer })
        }))
        return
      case 'spawn': void spawn(++generation); return
      case 'signal': proc?.signalTree(effect.signal); return
      case 'reap': reap(); return
      default: { const never: never = effect; return never }
    }
  }

  function emit (type: string, from: WorkerState | null, reason: string, data: Readonly<Record<string, unknown>> | null): void {
    try {
      deps.onEvent(deps.store.addEvent({ time: deps.clock.wallNow(), app: spec.name, instance, type, from, to: type, reason, data }))
    } catch (err) { deps.onError(err, `${holder} event`) }
  }

  function reap (): void {
    const p = proc
    proc = null
    readiness?.abort()
    readiness = null
    pidStartTime = null
    startedAt = null
    if (p === null) return
    p.signalTree('SIGKILL')
    dying = p.waitTreeGone(0)
  }

  async function spawn (gen: number): Promise<void> {
    const stale = (): boolean => gen !== generation || snap.state !== 'starting'
    try {
      await dying
      if (stale()) return abandon(gen)
      if (spec.hasPort && (port === null || !(await deps.probe.isFree(port)))) {
        if (port !== null) deps.broker.release(port, holder)
        port = null
        port = (await deps.broker.claim(spec.portRange, [holder]))[0] ?? null
      }
      if (stale()) return abandon(gen)
      marker = `${deps.markerPrefix}:${spec.name}:${instance}:${deps.clock.wallNow().toString(36)}${Math.floor(deps.random() * 1e9).toString(36)}`
      persist()
      const p = deps.spawner.spawn(buildSpawnSpec(spec, instance, port, marker, deps.prepareOutput(spec, instance), deps.baseEnv))
      if (p.pid === undefined) {
        const r = await p.exited
        if (stale()) return abandon(gen)
        safeDispatch({ type: 'spawn-failed', message: r.error ?? 'unknown error' })
        return
      }
      proc = p
      pidStartTime = deps.procs.startTime(p.pid)
      startedAt = deps.clock.wallNow()
      if (port !== null) deps.broker.describe(port, `${holder} (pid ${p.pid})`)
      void p.exited.then((r) => { if (proc === p) safeDispatch({ type: 'exit', code: r.code, signal: r.signal }) })
      safeDispatch({ type: 'spawned', pid: p.pid })
      watchReady(p, true)
    } catch (err) {
      if (stale()) return abandon(gen)
      safeDispatch({ type: 'spawn-failed', message: err instanceof Error ? err.message : String(err) })
    }
  }

  /** A spawn overtaken by stop: if the machine is waiting for an exit that will never come, give it one. */
  function abandon (gen: number): void {
    if (gen === generation && snap.state === 'stopping' && proc === null) safeDispatch({ type: 'exit', code: null, signal: null })
  }

  function watchReady (p: WorkerProcess, hasIpc: boolean): void {
    const isCurrent = (): boolean => proc === p && snap.state === 'starting'
    if (spec.waitReady && hasIpc) {
      p.onMessage((m) => { if (m === 'ready' && isCurrent()) safeDispatch({ type: 'ready' }) })
      return
    }
    const ac = new AbortController()
    readiness = ac
    // --no-port: ready once it stayed up readyAfterMs (the timer dies with `readiness` when the worker leaves starting)
    if (!spec.hasPort) {
      const cancel = deps.clock.setTimer(spec.readyAfterMs, () => { if (isCurrent()) safeDispatch({ type: 'ready' }) })
      ac.signal.addEventListener('abort', cancel)
      return
    }
    deps.probe.waitAccepting(port ?? 0, ac.signal).then(() => { if (isCurrent()) safeDispatch({ type: 'ready' }) }, () => undefined)
  }

  /** Time is up. A worker that had to accept on its port: what it listens on instead is read first, for the reason. */
  function listenTimeUp (): void {
    const p = proc
    const own = port
    if (p?.pid === undefined || own === null || !spec.hasPort || spec.waitReady || deps.probe.listeners === undefined) return safeDispatch({ type: 'timer', timer: 'listen' })
    readiness?.abort() // meanwhile it can no longer get ready, only exit
    readiness = null
    void deps.probe.listeners(p.pid).catch(() => null).then((on) => { if (proc === p && snap.state === 'starting') safeDispatch({ type: 'timer', timer: 'listen', why: notReadyWhy(own, on) }) })
  }

  function until (pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve()
    return new Promise((resolve) => {
      const w = (): void => { if (pred()) { waiters.delete(w); resolve() } }
      waiters.add(w)
    })
  }

  if (port !== null) deps.broker.hold(port, holder)

  return {
    instance,
    record,
    retryAt: () => retryAt,
    start (reason) {
      if (snap.state === 'stopped' || snap.state === 'exited' || snap.state === 'errored' || snap.state === 'backoff') dispatch({ type: 'start', reason })
    },
    async stop (reason) {
      dispatch({ type: 'stop', reason })
      await until(() => snap.state === 'stopped' || snap.state === 'exited')
      await dying
    },
    settled: () => until(() => snap.state !== 'starting'),
    setSpec (next) { spec = next },
    isServing: () => snap.state === 'online' && healthy && !withdrawn,
    setWithdrawn (next) {
      if (withdrawn === next) return
      withdrawn = next
      deps.onServingChange(spec.name)
    },
    setPersist (next) {
      persistent = next
      persist()
    },
    resume (p) {
      if (p !== null) {
        proc = p
        if (port !== null) deps.broker.describe(port, `${holder} (pid ${String(p.pid)})`)
        void p.exited.then((r) => { if (proc === p) safeDispatch({ type: 'exit', code: r.code, signal: r.signal }) })
      }
      dispatch({ type: 'resume', alive: p !== null })
      // An adopted worker has no IPC channel any more: its readiness is its port accepting
      if (p !== null && snap.state === 'starting') watchReady(p, false)
    },
    countRestart () {
      const d = decideReplacement(snap, spec, deps.clock.now())
      if (d.action === 'errored') return d.reason
      dispatch({ type: 'count-restart', restartTimes: d.restartTimes })
      return null
    },
    giveUp (reason) { if (snap.state === 'stopped') dispatch({ type: 'give-up', reason }) },
    get port () { return port }
  }
}
