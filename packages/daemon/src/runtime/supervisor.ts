// Apps x instances: composes the registry, the app queue, the commands, the rollouts, boot and the upstream sync.
import type { AppView, EventView } from '@sup/protocol'
import type { AppSpec } from '../core/app-spec.ts'
import { toEventView } from './app-view.ts'
import { createAppCommands } from './app-commands.ts'
import { createAppContext } from './app-context.ts'
import { createAppRollouts, type AppRollouts } from './app-rollouts.ts'
import { createAppWatch } from './app-watch.ts'
import { createBoot } from './boot.ts'
import type { SupervisorDeps } from './supervisor-types.ts'

export type { AppEntry, SupervisorDeps, UpstreamWriter } from './supervisor-types.ts'

export type Supervisor = ReturnType<typeof createSupervisor>

/** The supervisor; every operation that changes an app is a job in that app's queue (runtime/app-queue.ts). */
export function createSupervisor (deps: SupervisorDeps) {
  let rollouts: AppRollouts | null = null
  const ctx = createAppContext(deps, { onUnhealthy: (app, instance, failures) => { void rollouts?.replaceUnhealthy(app, instance, failures) } })
  rollouts = createAppRollouts(ctx)
  const { reloadApp } = rollouts
  const watch = createAppWatch(ctx, reloadApp)
  const commands = createAppCommands(ctx, watch)
  const { boot } = createBoot(ctx, commands, watch)
  const { registry, events, upstream } = ctx

  /** Stops every worker (desired states are kept, so the next daemon brings them back). */
  async function shutdown (): Promise<void> {
    await Promise.all(registry.all().flatMap((e) => [...e.runners.values()].map((r) => r.stop('daemon shutting down'))))
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
    deployApp: rollouts.deployApp,
    reloadInstances: rollouts.reloadInstances,
    /** The app's full spec (env values included: for the daemon's own use, never for a response). */
    specOf: (name: string): AppSpec | undefined => registry.get(name)?.spec,
    replaceWorker: rollouts.replaceWorker,
    recordEvent: events.recordEvent,
    servingPorts: (name: string): number[] => upstream.servingPorts(registry.require(name)),
    getApp: (name: string): AppView => ctx.view(registry.require(name)),
    listApps: (): AppView[] => registry.all().map(ctx.view).sort((a, b) => a.name.localeCompare(b.name)),
    events: (q: { app?: string | undefined; limit: number }): EventView[] => deps.store.listEvents(q).map(toEventView),
    onEvent: (fn: (e: EventView) => void): (() => void) => events.subscribe(fn)
  }
}
