// Apps x instances: composes the registry, the app queue, the commands, the rollouts, boot and the upstream sync.
import type { AppView, EventView } from '@sup/protocol'
import type { AppSpec } from '../core/app-spec.ts'
import { toEventView } from './app-view.ts'
import { createAppCommands } from './app-commands.ts'
import { createAppContext } from './app-context.ts'
import { createAppRollouts, type AppRollouts, type RestartTrigger } from './app-rollouts.ts'
import { createAppWatch } from './app-watch.ts'
import { createBoot } from './boot.ts'
import type { SupervisorDeps } from './supervisor-types.ts'

export type { AppEntry, SupervisorDeps, UpstreamWriter } from './supervisor-types.ts'
export type { RestartTrigger } from './app-rollouts.ts'

export type Supervisor = ReturnType<typeof createSupervisor>

/** The supervisor; every operation that changes an app is a job in that app's queue (runtime/app-queue.ts). */
export function createSupervisor (deps: SupervisorDeps) {
  let rollouts: AppRollouts | null = null
  const ctx = createAppContext(deps, { onUnhealthy: (app, instance, failures, pid) => { void rollouts?.replaceUnhealthy(app, instance, failures, pid) } })
  const ro = createAppRollouts(ctx)
  rollouts = ro
  const { reloadApp, reloadAutomated } = ro
  const watch = createAppWatch(ctx, (e, path) => reloadAutomated(e, { type: 'watch', reason: `${path} changed: reloading`, data: { path } }))
  const commands = createAppCommands(ctx, watch)
  const { boot } = createBoot(ctx, commands, watch)
  const { registry, events, upstream } = ctx

  /** Stops every worker, replacements of a reload in flight included (desired states are kept for the next daemon). */
  async function shutdown (): Promise<void> {
    await Promise.all(registry.all().flatMap((e) => [...e.runners.values(), ...e.replacements].map((r) => r.stop('daemon shutting down'))))
  }

  /** `--cron-restart`: a scheduled rolling restart; nothing when the app is stopped, deleted or already reloading. */
  async function scheduledRestart (name: string, cron: string): Promise<boolean> {
    const e = registry.get(name)
    if (e === undefined) return false
    return await reloadAutomated(e, { type: 'cron-restart', reason: `scheduled rolling restart (${cron})`, data: { cron } })
  }

  return {
    boot,
    shutdown,
    createApp: commands.createApp,
    stopApp: commands.stopApp,
    startApp: commands.startApp,
    restartApp: commands.restartApp,
    scaleApp: commands.scaleApp,
    deleteApp: commands.deleteApp,
    reloadApp,
    deployApp: ro.deployApp,
    reloadInstances: ro.reloadInstances,
    scheduledRestart,
    /** The app's full spec (env values included: for the daemon's own use, never for a response). */
    specOf: (name: string): AppSpec | undefined => registry.get(name)?.spec,
    replaceWorker: (app: string, instance: number, trigger?: RestartTrigger): Promise<boolean> => ro.replaceWorker(app, instance, trigger),
    recordEvent: events.recordEvent,
    servingPorts: (name: string): number[] => upstream.servingPorts(registry.require(name)),
    getApp: (name: string): AppView => ctx.view(registry.require(name)),
    listApps: (): AppView[] => registry.all().map(ctx.view).sort((a, b) => a.name.localeCompare(b.name)),
    events: (q: { app?: string | undefined; limit: number }): EventView[] => deps.store.listEvents(q).map(toEventView),
    onEvent: (fn: (e: EventView) => void): (() => void) => events.subscribe(fn),
    /** Called when an app is created, stopped, started or deleted (the cron schedule follows at once). */
    onAppChange: (fn: (app: string) => void): (() => void) => registry.onChange(fn)
  }
}
