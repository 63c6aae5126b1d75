// Replacing workers the zero-downtime way: `sup reload`, deploys and rollbacks, and single-worker health/rule replacements.
import type { AppView } from '@sup/protocol'
import type { AppSpec } from '../core/app-spec.ts'
import type { AppContext } from './app-context.ts'
import { freshWorker, setDesired, storedApp } from './app-registry.ts'
import { rollOnto } from './deploy-rollout.ts'
import { createReloadContext } from './reload-context.ts'
import { rollingReload, type ReloadContext } from './rolling-reload.ts'
import type { AppEntry } from './supervisor-types.ts'

export interface AppRollouts {
  /** `sup reload`: one rollout per app at a time (a second is refused, never interleaved). */
  reloadApp (name: string): Promise<AppView>
  /** A deploy or rollback (issue 7): the app's workers rolled onto `spec` as in a reload; the old spec stays on failure. */
  deployApp (name: string, spec: AppSpec): Promise<AppView>
  /** Rolls some instances onto the app's own spec, one at a time (a deploy cut by a crash left them on another release). */
  reloadInstances (name: string, instances: readonly number[]): Promise<AppView>
  /** A worker failing its health check `failures` times: replaced the zero-downtime way (unless a rollout runs). */
  replaceUnhealthy (app: string, instance: number, failures: number): Promise<void>
  /**
   * Replaces one worker the zero-downtime way (a resource rule fired): false when the app or worker is gone or a
   * rollout runs (it replaces the worker anyway). Resolves once the replacement is online (or the attempt failed).
   */
  replaceWorker (app: string, instance: number): Promise<boolean>
}

export function createAppRollouts (ctx: AppContext): AppRollouts {
  const { deps, registry, queue, events, upstream } = ctx

  function reloadContext (e: AppEntry, only?: number): ReloadContext {
    return createReloadContext(e, only, { deps, runnerDeps: ctx.runnerDeps, publishUpstream: upstream.syncUpstream, appEvent: events.appEvent, freshWorker })
  }

  return {
    async reloadApp (name) {
      const e = registry.require(name)
      return await queue.runRollout(name, async () => {
        setDesired(deps.store, e, 'running')
        await rollingReload(reloadContext(e))
        return ctx.view(e)
      })
    },
    async deployApp (name, spec) {
      const e = registry.require(name)
      return await queue.runRollout(name, async () => {
        setDesired(deps.store, e, 'running')
        await rollOnto(e, spec, { reloadContext, saveSpec: (x) => deps.store.saveApp(storedApp(x)), onError: deps.onError })
        return ctx.view(e)
      })
    },
    async reloadInstances (name, instances) {
      const e = registry.require(name)
      return await queue.runRollout(name, async () => {
        for (const i of instances) await rollingReload(reloadContext(e, i))
        return ctx.view(e)
      })
    },
    async replaceUnhealthy (app, instance, failures) {
      const e = registry.get(app)
      if (e === undefined || queue.isRollingOut(app)) return
      events.appEvent(app, 'health-restart', `worker ${instance} failed its health check ${failures} times in a row: replacing it`, { instance, failures })
      await queue.run(app, () => rollingReload(reloadContext(e, instance))).catch((err: unknown) => deps.onError(err, `${app}:${instance} health restart`))
    },
    async replaceWorker (app, instance) {
      const e = registry.get(app)
      if (e === undefined || queue.isRollingOut(app) || e.desired !== 'running' || !e.runners.has(instance)) return false
      await queue.run(app, () => rollingReload(reloadContext(e, instance))).catch((err: unknown) => deps.onError(err, `${app}:${instance} rule restart`))
      return true
    }
  }
}
