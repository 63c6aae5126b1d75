// THE concurrency rule of the daemon: every operation that changes an app runs as a job in that app's queue, one at a time;
// a rollout (reload, deploy, rollback) is also exclusive: a second one while one runs is refused at once.
import { SUP_ERR_APP_BUSY } from '../errors.ts'
import { createKeyedQueue } from './keyed-queue.ts'

export interface AppQueue {
  /** Runs `job` after every job queued before it for this app; jobs of one app never interleave. */
  run<T> (app: string, job: () => Promise<T>): Promise<T>
  /** A reload, deploy or rollback: refused with SUP_ERR_APP_BUSY while one is queued or running for the app, else queued. */
  runRollout<T> (app: string, job: () => Promise<T>): Promise<T>
  /** A rollout is queued or running for the app (it replaces every worker: an automated restart is not needed). */
  isRollingOut (app: string): boolean
}

export function createAppQueue (): AppQueue {
  const queue = createKeyedQueue()
  const rolling = new Set<string>()
  const run = <T>(app: string, job: () => Promise<T>): Promise<T> => queue.run(`app:${app}`, job)
  return {
    run,
    async runRollout (app, job) {
      if (rolling.has(app)) throw new SUP_ERR_APP_BUSY(app, 'a reload is already running')
      rolling.add(app)
      try { return await run(app, job) } finally { rolling.delete(app) }
    },
    isRollingOut: (app) => rolling.has(app)
  }
}
