// Builds what a rolling reload needs from the supervisor: replacements, spare ports, publishing, draining.
import type { StoredWorker } from '../core/ports.ts'
import type { ReloadContext } from './rolling-reload.ts'
import type { AppEntry, SupervisorDeps } from './supervisor.ts'
import { holderOf } from './port-broker.ts'
import { createWorkerRunner, type RunnerDeps } from './worker-runner.ts'

/** The supervisor's pieces a reload context uses. */
export interface ReloadHelpers {
  readonly deps: SupervisorDeps
  readonly runnerDeps: RunnerDeps
  readonly publishUpstream: (app: string) => Promise<void>
  readonly appEvent: (app: string, type: string, reason: string, data: Record<string, unknown> | null) => void
  readonly freshWorker: (app: string, instance: number, port: number) => StoredWorker
}

/** A reload of the whole app, or of one instance (`only`: a health restart). */
export function createReloadContext (e: AppEntry, only: number | undefined, x: ReloadHelpers): ReloadContext {
  const { deps, runnerDeps, publishUpstream, appEvent, freshWorker } = x
  const name = e.spec.name
  return {
    app: name,
    spec: () => e.spec,
    runners: () => [...e.runners.values()].filter((r) => only === undefined || r.instance === only).sort((a, b) => a.instance - b.instance),
    claimSpares: (instances) => deps.broker.claim(e.spec.portRange, instances.map((i) => holderOf(name, i))).catch(() => null),
    createReplacement (instance, port) {
      const rep = createWorkerRunner(runnerDeps, e.spec, freshWorker(name, instance, port), { persist: false })
      // out of the upstream until the reload swaps it in (one nginx reload for the whole swap)
      rep.setWithdrawn(true)
      e.replacements.add(rep)
      return rep
    },
    promote (old, rep) {
      e.replacements.delete(rep)
      e.runners.set(old.instance, rep)
      rep.setPersist(true)
      if (old.port !== null && old.port !== rep.port) deps.broker.release(old.port, holderOf(name, old.instance))
    },
    async discard (rep) {
      await rep.stop('reload abandoned')
      e.replacements.delete(rep)
      if (rep.port !== null) deps.broker.release(rep.port, holderOf(name, rep.instance))
      void publishUpstream(name)
    },
    publish: () => publishUpstream(name),
    sleep: (ms) => new Promise((resolve) => { deps.clock.setTimer(ms, resolve) }),
    isHealthy: async (port) => e.spec.health === null || await deps.httpCheck(port, e.spec.health.path, e.spec.health.timeoutMs),
    lastOutput: (instance) => deps.readTail(name, instance, 20),
    event: (type, reason, data) => appEvent(name, type, reason, data)
  }
}
