// Replacing workers the zero-downtime way: `sup reload`, deploys and rollbacks, and the automated replacements
// (health, resource rule, cron, --watch), which never change the desired state and count as restarts.
import type { AppView } from '@sup/protocol'
import type { AppSpec } from '../core/app-spec.ts'
import type { StoredWorker } from '../core/ports.ts'
import type { AppContext } from './app-context.ts'
import { freshWorker, storedApp } from './app-registry.ts'
import { rollOnto } from './deploy-rollout.ts'
import { createReloadContext } from './reload-context.ts'
import { rollingReload, type ReloadContext } from './rolling-reload.ts'
import type { AppEntry } from './supervisor-types.ts'
import type { WorkerRunner } from './worker-runner.ts'

/** Why an automated replacement of one worker fired (recorded as an event once the queue decides). */
export interface RestartTrigger {
  readonly type: string
  /** What fired, e.g. "worker 1 (pid 42): memory above 100.0M in 3 of the last 3 samples". */
  readonly reason: string
  /** The process that fired it: a worker restarted meanwhile (another pid) is not replaced again. */
  readonly pid?: number | null
  readonly data?: Record<string, unknown>
}

export interface AppRollouts {
  /** `sup reload`: one rollout per app at a time (a second is refused, never interleaved); sets desired=running. */
  reloadApp (name: string): Promise<AppView>
  /** A deploy or rollback (issue 7): the app's workers rolled onto `spec` as in a reload; the old spec stays on failure. */
  deployApp (name: string, spec: AppSpec): Promise<AppView>
  /** Rolls some instances onto the app's own spec, one at a time (a deploy cut by a crash left them on another release). */
  reloadInstances (name: string, instances: readonly number[]): Promise<AppView>
  /** A scheduled (cron) or --watch rolling restart of app entry `e`: done only while it is the app and runs. */
  reloadAutomated (e: AppEntry, trigger: RestartTrigger): Promise<boolean>
  /** A worker failing its health check `failures` times: replaced the zero-downtime way (unless a rollout runs). */
  replaceUnhealthy (app: string, instance: number, failures: number, pid?: number | null): Promise<void>
  /**
   * Replaces one worker the zero-downtime way (a resource rule fired): false when the app or worker is gone, stopped,
   * or a rollout runs (it replaces the worker anyway). Resolves once the replacement is online (or the attempt failed).
   */
  replaceWorker (app: string, instance: number, trigger?: RestartTrigger): Promise<boolean>
}

export function createAppRollouts (ctx: AppContext): AppRollouts {
  const { deps, registry, queue, events, upstream } = ctx

  /** A replacement inherits its instance's restart count and flapping window: `restarts` never goes down. */
  function inherit (e: AppEntry) {
    return (app: string, instance: number, port: number | null): StoredWorker => {
      const w = freshWorker(app, instance, port)
      const old = e.runners.get(instance)?.record().snapshot
      return old === undefined ? w : { ...w, snapshot: { ...w.snapshot, restarts: old.restarts, restartTimes: [...old.restartTimes] } }
    }
  }

  function reloadContext (e: AppEntry, only?: number): ReloadContext {
    return createReloadContext(e, only, { deps, runnerDeps: ctx.runnerDeps, publishUpstream: upstream.syncUpstream, appEvent: events.appEvent, freshWorker: inherit(e) })
  }

  /** Counts the restart, or stops the worker for good when that would flap (it goes errored, re-armed after retryIn). */
  async function countOrGiveUp (e: AppEntry, r: WorkerRunner, what: string): Promise<boolean> {
    const flapping = r.countRestart()
    if (flapping === null) return true
    events.recordEvent(e.spec.name, r.instance, 'gave-up', `${what}: not replaced again, ${flapping}`, { restarts: r.record().snapshot.restarts })
    await r.stop(`${what}: replaced too often`)
    r.giveUp(`${what}: ${flapping}`)
    return false
  }

  /** One automated replacement of `instance`, targeting exactly the worker (runner and pid) that fired. */
  async function replaceOne (e: AppEntry, instance: number, t: RestartTrigger): Promise<boolean> {
    const done = await queue.runAutomated(e, { kind: t.type, what: `${t.type} of worker ${instance}` }, async () => {
      const r = e.runners.get(instance)
      const pid = r?.record().snapshot.pid ?? null
      if (r === undefined || (t.pid !== undefined && t.pid !== pid)) {
        events.recordEvent(e.spec.name, instance, t.type, `${t.reason}: not replaced, the worker was restarted or replaced meanwhile`, { ...t.data, replaced: false })
        return false
      }
      events.recordEvent(e.spec.name, instance, t.type, `${t.reason}: replacing it`, { ...t.data, replaced: true })
      if (!(await countOrGiveUp(e, r, t.type))) return false
      await rollingReload(reloadContext(e, instance)).catch((err: unknown) => deps.onError(err, `${e.spec.name}:${instance} ${t.type}`))
      return true
    })
    return done === true
  }

  async function operatorRollout (name: string, work: (e: AppEntry) => Promise<void>): Promise<AppView> {
    registry.require(name)
    return await queue.runRollout(name, async () => {
      // re-resolved inside the queue: the app may have been deleted (404) or re-created meanwhile
      const e = registry.require(name)
      await work(e)
      return ctx.view(e)
    })
  }

  return {
    reloadApp: (name) => operatorRollout(name, async (e) => {
      registry.setDesired(e, 'running')
      await rollingReload(reloadContext(e))
    }),
    deployApp: (name, spec) => operatorRollout(name, async (e) => {
      registry.setDesired(e, 'running')
      await rollOnto(e, spec, { reloadContext, saveSpec: (x) => deps.store.saveApp(storedApp(x)), onError: deps.onError })
    }),
    reloadInstances: (name, instances) => operatorRollout(name, async (e) => {
      for (const i of instances) await rollingReload(reloadContext(e, i))
    }),
    async reloadAutomated (e, t) {
      const done = await queue.runAutomated(e, { kind: t.type, what: t.type }, async () => {
        const runners = [...e.runners.values()]
        // a job's workers that all ran to their end (or failed, under --restart never|on-failure) are run again: that
        // is what a schedule (PM2's cron_restart without autorestart) or a change asks of them; nothing to roll
        if (runners.length > 0 && runners.every((r) => r.record().snapshot.state === 'exited')) {
          const which = runners.map((r) => r.instance).join(', ')
          events.appEvent(e.spec.name, t.type, `${t.reason}: ${runners.length === 1 ? 'worker' : 'workers'} ${which} not running, started again`, t.data ?? null)
          for (const r of runners) r.start(`${t.type}: run again`)
          await Promise.all(runners.map((r) => r.settled()))
          return true
        }
        events.appEvent(e.spec.name, t.type, t.reason, t.data ?? null)
        // every worker restarts: each counts (a full window is not counted again; a schedule is no crash loop to stop)
        for (const r of e.runners.values()) r.countRestart()
        await rollingReload(reloadContext(e))
        return true
      }, { exclusive: true })
      return done === true
    },
    async replaceUnhealthy (app, instance, failures, pid) {
      const e = registry.get(app)
      if (e === undefined) return
      await replaceOne(e, instance, { type: 'health-restart', reason: `worker ${instance} failed its health check ${failures} times in a row`, pid: pid ?? null, data: { instance, failures } })
    },
    async replaceWorker (app, instance, trigger) {
      const e = registry.get(app)
      if (e === undefined) return false
      return await replaceOne(e, instance, trigger ?? { type: 'rule-restart', reason: `worker ${instance}` })
    }
  }
}
