// Keeps each app's nginx upstream equal to its serving workers (the nginx write; events are event-feed.ts's).
import type { Clock } from '../core/ports.ts'
import type { AppSpec } from '../core/app-spec.ts'
import type { AppRegistry } from './app-registry.ts'
import type { AppEntry, UpstreamWriter } from './supervisor-types.ts'
import type { WorkerRunner } from './worker-runner.ts'

export interface UpstreamSync {
  /** The ports nginx should send traffic to: online, healthy, not withdrawn (old and new workers alike). */
  servingPorts (e: AppEntry): number[]
  /** Writes the app's upstream from its serving workers now; resolves when nginx has it (errors are reported, never thrown). */
  syncUpstream (app: string): Promise<void>
  /** Removes a deleted app's upstream file. */
  removeUpstream (app: string): Promise<void>
  /**
   * Waits until the runners are online or failed, then until nginx routes to the online ones: a `sup start` that
   * returned means new connections reach every worker that came up (a sync resolves after any in flight).
   */
  settle (runners: Iterable<WorkerRunner>, spec: AppSpec): Promise<void>
}

export interface UpstreamSyncDeps {
  readonly clock: Clock
  readonly registry: AppRegistry
  readonly writer: UpstreamWriter
  readonly onError: (err: unknown, where: string) => void
}

export function createUpstreamSync (deps: UpstreamSyncDeps): UpstreamSync {
  const servingPorts = (e: AppEntry): number[] =>
    [...e.runners.values(), ...e.replacements].filter((r) => r.isServing() && r.port !== null).map((r) => r.port ?? 0)

  async function syncUpstream (app: string): Promise<void> {
    const e = deps.registry.get(app)
    if (e === undefined) return
    await deps.writer.publish(app, servingPorts(e)).catch((err: unknown) => deps.onError(err, `${app} upstream`))
  }

  return {
    servingPorts,
    syncUpstream,
    removeUpstream: async (app) => { await deps.writer.remove(app).catch((err: unknown) => deps.onError(err, `${app} upstream`)) },
    async settle (runners, spec) {
      const bound = new Promise<void>((resolve) => { deps.clock.setTimer(spec.listenTimeoutMs + 2_000, resolve) })
      await Promise.race([Promise.all([...runners].map((r) => r.settled())), bound])
      // without nginx the file is written ~50 ms later (debounce); only a reload is worth the wait
      if (deps.writer.reloadsNginx === false) void syncUpstream(spec.name)
      else await syncUpstream(spec.name)
    }
  }
}
