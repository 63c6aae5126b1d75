// Apps x instances: composes the registry, the app queue, the commands, the rollouts, boot and the upstream sync.
import type { AppView, EventView } from '@sup/protocol'
import { normalizeAppSpec, specDefaultsOf, type AppSpec, type AppSpecInput } from '../core/app-spec.ts'
import { applyApp } from './app-apply.ts'
import { createAppInstances } from './app-instances.ts'
import { checkRunnable } from './runnable.ts'
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
  const instances = createAppInstances(ctx)

  /** PUT /apps/:app: create, or roll a running app onto its changed definition (app-apply.ts). */
  const apply = (input: AppSpecInput & { name: string }): Promise<AppView> => applyApp({
    specOf: (n) => registry.get(n)?.spec,
    desiredOf: (n) => registry.get(n)?.desired,
    normalize: (i) => normalizeAppSpec(i, specDefaultsOf(deps)),
    check: (spec) => checkRunnable(spec, deps),
    createApp: commands.createApp,
    deployApp: ro.deployApp,
    scaleApp: commands.scaleApp,
    startApp: commands.startApp,
    getApp: (n) => ctx.view(registry.require(n))
  }, input)

  /** restart / reload with --update-env: the stored shell environment is replaced first. */
  const withShellEnv = <T>(op: (name: string) => Promise<T>) => async (name: string, shellEnv?: Record<string, string>): Promise<T> => {
    if (shellEnv !== undefined) await instances.updateShellEnv(name, shellEnv)
    return op(name)
  }

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
    applyApp: apply,
    stopApp: commands.stopApp,
    startApp: commands.startApp,
    restartApp: withShellEnv(commands.restartApp),
    scaleApp: commands.scaleApp,
    deleteApp: commands.deleteApp,
    reloadApp: withShellEnv(reloadApp),
    stopInstance: instances.stopInstance,
    restartInstance: instances.restartInstance,
    /** `sup reload api:1`: that worker replaced the zero-downtime way. */
    reloadInstance: (name: string, instance: number): Promise<AppView> => { instances.requireInstance(name, instance); return ro.reloadInstances(name, [instance]) },
    workerEnv: instances.workerEnv,
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
