// Wires the usage monitor and the cron scheduler to the supervisor: rule restarts, scheduled restarts, usage in views.
import type { AppSamples, AppView } from '@sup/protocol'
import type { RestartTrigger } from './app-rollouts.ts'
import type { Clock, UsageSampler } from '../core/ports.ts'
import { describeFired } from '../core/resource-rules.ts'
import { createCronRestarts } from './cron-restarts.ts'
import { createUsageMonitor, type UsageMonitor } from './usage-monitor.ts'
import { appSamples, rulesFromView, sampleTargets, withUsage } from './usage-views.ts'

/** The supervisor's part the watch needs. */
export interface WatchedSupervisor {
  listApps (): AppView[]
  getApp (name: string): AppView
  /** A scheduled rolling restart; does nothing on a stopped, deleted or reloading app (never changes desired state). */
  scheduledRestart (name: string, cron: string): Promise<boolean>
  /** Replaces one worker; records the trigger's event saying whether it really does. */
  replaceWorker (app: string, instance: number, trigger?: RestartTrigger): Promise<boolean>
  recordEvent (app: string, instance: number | null, type: string, reason: string, data: Record<string, unknown> | null): void
  /** Called when an app is created, stopped, started or deleted. */
  onAppChange? (fn: (app: string) => void): () => void
}

export interface ResourceWatchDeps {
  readonly clock: Clock
  readonly sampler: UsageSampler
  readonly supervisor: WatchedSupervisor
  readonly onError: (err: unknown, where: string) => void
}

export interface ResourceWatch {
  readonly monitor: UsageMonitor
  /** Call before reading usage (the views below): samples what is stale and keeps sampling a minute (never rejects). */
  fresh (): Promise<void>
  /** The app views with cpu/memory on their workers. */
  listApps (): AppView[]
  getApp (name: string): AppView
  samples (name: string): AppSamples
  stop (): void
}

/** Starts sampling and scheduling; nothing runs in the background for apps without rules until usage is read. */
export function startResourceWatch (deps: ResourceWatchDeps): ResourceWatch {
  const sup = deps.supervisor
  const monitor = createUsageMonitor({
    clock: deps.clock,
    sampler: deps.sampler,
    targets: () => sampleTargets(sup.listApps()),
    async onFire (t, fired) {
      // the supervisor records the event once its queue decided: "replacing it" or why not
      await sup.replaceWorker(t.app, t.instance, {
        type: 'rule-restart',
        reason: `worker ${t.instance} (pid ${t.pid}): ${fired.map(describeFired).join('; ')}`,
        pid: t.pid,
        data: { pid: t.pid, rules: fired.map((f) => ({ rule: f.rule, limit: f.limit, over: `${f.over.count}/${f.over.of}`, values: [...f.values] })) }
      })
    },
    onError: deps.onError
  })
  const cron = createCronRestarts({
    clock: deps.clock,
    apps: () => sup.listApps().filter((a) => a.desired === 'running').flatMap((a) => {
      const expr = rulesFromView(a.spec).cronRestart
      return expr === null ? [] : [{ name: a.name, cron: expr }]
    }),
    async restart (app) {
      await sup.scheduledRestart(app.name, app.cron).catch((err: unknown) => {
        sup.recordEvent(app.name, null, 'cron-restart-failed', err instanceof Error ? err.message : String(err), { cron: app.cron })
      })
    },
    onError: deps.onError
  })
  // The cron timers and the sampler follow the apps: checked every few seconds on the same clock (a rule set by a
  // deploy or an apply changes a spec without an app change), and at once on each app change
  let stopped = false
  const follow = (): void => {
    try { cron.sync() } catch (err) { deps.onError(err, 'cron sync') }
    monitor.wake()
  }
  const syncEvery = (): void => {
    if (stopped) return
    follow()
    deps.clock.setTimer(5_000, syncEvery)
  }
  monitor.start()
  syncEvery()
  const unsubscribe = sup.onAppChange?.(() => { if (!stopped) follow() }) ?? (() => undefined)
  return {
    monitor,
    fresh: () => monitor.fresh(),
    listApps: () => sup.listApps().map((a) => withUsage(a, monitor)),
    getApp: (name) => withUsage(sup.getApp(name), monitor),
    samples: (name) => appSamples(sup.getApp(name), monitor),
    stop () { stopped = true; unsubscribe(); monitor.stop(); cron.stop() }
  }
}
