// Wires the usage monitor and the cron scheduler to the supervisor: rule restarts, scheduled restarts, usage in views.
import type { AppSamples, AppView } from '@sup/protocol'
import type { Clock, UsageSampler } from '../core/ports.ts'
import { describeFired } from '../core/resource-rules.ts'
import { createCronRestarts } from './cron-restarts.ts'
import { createUsageMonitor, type UsageMonitor } from './usage-monitor.ts'
import { appSamples, rulesFromView, sampleTargets, withUsage } from './usage-views.ts'

/** The supervisor's part the watch needs. */
export interface WatchedSupervisor {
  listApps (): AppView[]
  getApp (name: string): AppView
  reloadApp (name: string): Promise<AppView>
  replaceWorker (app: string, instance: number): Promise<boolean>
  recordEvent (app: string, instance: number | null, type: string, reason: string, data: Record<string, unknown> | null): void
}

export interface ResourceWatchDeps {
  readonly clock: Clock
  readonly sampler: UsageSampler
  readonly supervisor: WatchedSupervisor
  readonly onError: (err: unknown, where: string) => void
}

export interface ResourceWatch {
  readonly monitor: UsageMonitor
  /** The app views with cpu/memory on their workers. */
  listApps (): AppView[]
  getApp (name: string): AppView
  samples (name: string): AppSamples
  stop (): void
}

/** Starts sampling and scheduling; nothing runs for apps without rules (sampling still feeds `sup list`). */
export function startResourceWatch (deps: ResourceWatchDeps): ResourceWatch {
  const sup = deps.supervisor
  const monitor = createUsageMonitor({
    clock: deps.clock,
    sampler: deps.sampler,
    targets: () => sampleTargets(sup.listApps()),
    async onFire (t, fired) {
      const reason = `worker ${t.instance} (pid ${t.pid}): ${fired.map(describeFired).join('; ')}: replacing it`
      sup.recordEvent(t.app, t.instance, 'rule-restart', reason, {
        pid: t.pid,
        rules: fired.map((f) => ({ rule: f.rule, limit: f.limit, over: `${f.over.count}/${f.over.of}`, values: [...f.values] }))
      })
      await sup.replaceWorker(t.app, t.instance)
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
      sup.recordEvent(app.name, null, 'cron-restart', `scheduled rolling restart (${app.cron})`, { cron: app.cron })
      await sup.reloadApp(app.name).catch((err: unknown) => {
        sup.recordEvent(app.name, null, 'cron-restart-failed', err instanceof Error ? err.message : String(err), { cron: app.cron })
      })
    },
    onError: deps.onError
  })
  // The cron timers follow the apps: checked every few seconds on the same clock
  let stopped = false
  const syncCron = (): void => {
    if (stopped) return
    try { cron.sync() } catch (err) { deps.onError(err, 'cron sync') }
    deps.clock.setTimer(5_000, syncCron)
  }
  syncCron()
  monitor.start()
  return {
    monitor,
    listApps: () => sup.listApps().map((a) => withUsage(a, monitor)),
    getApp: (name) => withUsage(sup.getApp(name), monitor),
    samples: (name) => appSamples(sup.getApp(name), monitor),
    stop () { stopped = true; monitor.stop(); cron.stop() }
  }
}
