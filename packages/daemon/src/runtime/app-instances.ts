// One worker at a time (`sup stop|restart api:1`), the stored shell environment (--update-env), a worker's env (`sup env`).
import type { AppView } from '@sup/protocol'
import { validateEnv } from '../core/app-spec.ts'
import { SUP_ERR_INSTANCE_NOT_FOUND } from '../errors.ts'
import type { AppContext } from './app-context.ts'
import { workerEnv } from './spawn-spec.ts'
import type { AppEntry } from './supervisor-types.ts'
import type { WorkerRunner } from './worker-runner.ts'

export interface AppInstances {
  /** One worker stops; the app stays running (`sup start <app>` brings it back). */
  stopInstance (name: string, instance: number): Promise<AppView>
  /** One worker stopped and started again. */
  restartInstance (name: string, instance: number): Promise<AppView>
  /** Throws SUP_ERR_INSTANCE_NOT_FOUND ("api has no instance 7") unless the app has that instance. */
  requireInstance (name: string, instance: number): void
  /** `--update-env`: replaces the stored shell environment; the next restart or reload applies it. */
  updateShellEnv (name: string, shellEnv: Record<string, string>): Promise<void>
  /** The environment a worker runs with (for `sup env`; values leave the daemon only when asked). */
  workerEnv (name: string, instance: number): Record<string, string>
}

export function createAppInstances (ctx: AppContext): AppInstances {
  const { deps, registry, queue, upstream } = ctx

  function runnerOf (e: AppEntry, instance: number): WorkerRunner {
    const r = e.runners.get(instance)
    if (r === undefined) throw new SUP_ERR_INSTANCE_NOT_FOUND(e.spec.name, String(instance))
    return r
  }

  return {
    stopInstance: (name, instance) => queue.run(name, async () => {
      const e = registry.require(name)
      await runnerOf(e, instance).stop('stopped by request')
      return ctx.view(e)
    }),
    restartInstance: (name, instance) => queue.run(name, async () => {
      const e = registry.require(name)
      const r = runnerOf(e, instance)
      registry.setDesired(e, 'running')
      await r.stop('restart requested')
      r.start('restarted by request')
      await upstream.settle([r], e.spec)
      return ctx.view(e)
    }),
    requireInstance: (name, instance) => { runnerOf(registry.require(name), instance) },
    updateShellEnv: (name, shellEnv) => queue.run(name, async () => {
      const e = registry.require(name)
      registry.setSpec(e, { ...e.spec, shellEnv: validateEnv('shellEnv', shellEnv) })
    }),
    workerEnv (name, instance) {
      const e = registry.require(name)
      return workerEnv(e.spec, instance, runnerOf(e, instance).port, deps.baseEnv)
    }
  }
}
