// THE concurrency rule of the daemon: every operation that changes an app runs as a job in that app's queue, one at a time;
// a rollout (reload, deploy, rollback) is also exclusive: a second one while one runs is refused at once. An automated job
// (health, rule, cron, watch, boot) re-resolves its app INSIDE the queue and does nothing when the app it was for is gone
// or stopped: automated triggers never change the desired state.
import { SUP_ERR_APP_BUSY } from '../errors.ts'
import type { AppRegistry } from './app-registry.ts'
import type { EventFeed } from './event-feed.ts'
import { createKeyedQueue } from './keyed-queue.ts'
import type { AppEntry } from './supervisor-types.ts'

/** What an automated job is (for the event that says why it was skipped), e.g. 'health-restart'. */
export interface AutomatedJob { readonly kind: string; readonly what: string }

export interface AppQueue {
  /** Runs `job` after every job queued before it for this app; jobs of one app never interleave. */
  run<T> (app: string, job: () => Promise<T>): Promise<T>
  /** A reload, deploy or rollback: refused with SUP_ERR_APP_BUSY while one is queued or running for the app, else queued. */
  runRollout<T> (app: string, job: () => Promise<T>): Promise<T>
  /** A rollout is queued or running for the app (it replaces every worker: an automated restart is not needed). */
  isRollingOut (app: string): boolean
  /**
   * An automated job for entry `e`: dropped at once (with an event) while a rollout runs; queued otherwise. Inside
   * the queue it runs only when `e` is still the app of its name (not deleted, not re-created) and wants to run;
   * else it records why it did nothing and resolves null. `job` itself re-checks the exact worker it targets.
   */
  runAutomated<T> (e: AppEntry, job: AutomatedJob, run: () => Promise<T>, opts?: { exclusive?: boolean }): Promise<T | null>
}

export function createAppQueue (registry: AppRegistry, events: EventFeed): AppQueue {
  const queue = createKeyedQueue()
  const rolling = new Set<string>()
  const run = <T>(app: string, job: () => Promise<T>): Promise<T> => queue.run(`app:${app}`, job)

  async function runRollout<T> (app: string, job: () => Promise<T>): Promise<T> {
    if (rolling.has(app)) throw new SUP_ERR_APP_BUSY(app, 'a reload is already running')
    rolling.add(app)
    try { return await run(app, job) } finally { rolling.delete(app) }
  }

  /** Why a job for `e` must not run now, or null. */
  function staleReason (e: AppEntry): string | null {
    if (!registry.isCurrent(e)) return registry.get(e.spec.name) === undefined ? 'the app was deleted' : 'the app was deleted and created again'
    if (e.desired !== 'running') return 'the app is stopped'
    return null
  }

  const skipped = (e: AppEntry, job: AutomatedJob, why: string): null => {
    events.appEvent(e.spec.name, 'skipped', `${job.what} not done: ${why}`, { job: job.kind, why })
    return null
  }

  return {
    run,
    runRollout,
    isRollingOut: (app) => rolling.has(app),
    async runAutomated<T> (e: AppEntry, job: AutomatedJob, work: () => Promise<T>, opts: { exclusive?: boolean } = {}): Promise<T | null> {
      const name = e.spec.name
      if (rolling.has(name)) return skipped(e, job, 'a reload or deploy of the app is running (it replaces every worker)')
      const inQueue = async (): Promise<T | null> => {
        const why = staleReason(e)
        return why === null ? await work() : skipped(e, job, why)
      }
      return await (opts.exclusive === true ? runRollout(name, inQueue) : run(name, inQueue))
    }
  }
}
