// Builds what a rolling reload needs from the supervisor: replacements, spare ports, publishing, draining.
import type { StoredWorker } from '../core/ports.ts'
import type { ReloadContext } from './rolling-reload.ts'
import type { AppEntry, SupervisorDeps } from './supervisor-types.ts'
import { createWorkerRunner, type RunnerDeps } from './worker-runner.ts'

/** The supervisor's pieces a reload context uses. */
export interface ReloadHelpers {
  readonly deps: SupervisorDeps
  readonly runnerDeps: RunnerDeps
  readonly publishUpstream: (app: string) => Promise<void>
  readonly appEvent: (app: string, type: string, reason: string, data: Record<string, unknown> | null) => void
  readonly freshWorker: (app: string, instance: number, port: number | null) => StoredWorker
}

/** A reload of the whole app, or of one instance (`only`: a health restart). */
export function createReloadContext (e: AppEntry, only: number | undefined, x: ReloadHelpers): ReloadContext {
  const { deps, runnerDeps, publishUpstream, appEvent, freshWorker } = x
  const name = e.spec.name
  return {
    app: name,
    spec: () => e.spec,
    runners: () => [...e.runners.values()].filter((r) => only === undefined || r.instance === only).sort((a, b) => a.instance - b.instance),
    // a --no-port worker restarts in place (nothing routes to it, so nothing to hand over)
    claimSpare: async (instance) => !e.spec.hasPort ? null : (await deps.broker.claim(e.spec.portRange, [`${name}:${instance}'`]).catch(() => [null]))[0] ?? null,
    createReplacement (instance, port) {
      const rep = createWorkerRunner(runnerDeps, e.spec, freshWorker(name, instance, port), { persist: false })
      e.replacements.add(rep)
      return rep
    },
    promote (old, rep) {
      e.replacements.delete(rep)
      e.runners.set(old.instance, rep)
      rep.setPersist(true)
      if (old.port !== null && old.port !== rep.port) deps.broker.release(old.port, `${name}:${old.instance}`)
    },
    async discard (rep) {
      await rep.stop('reload abandoned')
      e.replacements.delete(rep)
      if (rep.port !== null) deps.broker.release(rep.port, `${name}:${rep.instance}'`)
      void publishUpstream(name)
    },
    publish: () => publishUpstream(name),
    sleep: (ms) => new Promise((resolve) => { deps.clock.setTimer(ms, resolve) }),
    isHealthy: async (port) => e.spec.health === null || await deps.httpCheck(port, e.spec.health.path, e.spec.health.timeoutMs),
    lastOutput: (instance) => deps.readTail(name, instance, 20),
    event: (type, reason, data) => appEvent(name, type, reason, data)
  }
}
