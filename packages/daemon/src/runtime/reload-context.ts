// Builds what a rolling reload needs from the supervisor: replacements, spare ports, publishing, draining.
import type { StoredWorker } from '../core/ports.ts'
import type { ReloadContext } from './rolling-reload.ts'
import type { AppEntry, SupervisorDeps } from './supervisor-types.ts'
import { holderOf } from './port-broker.ts'
import { createWorkerRunner, type RunnerDeps } from './worker-runner.ts'

/** The supervisor's pieces a reload context uses. */
export interface ReloadHelpers {
  readonly deps: SupervisorDeps
  readonly runnerDeps: RunnerDeps
  readonly publishUpstream: (app: string) => Promise<void>
  readonly appEvent: (app: string, type: string, reason: string, data: Record<string, unknown> | null) => void
  readonly freshWorker: (app: string, instance: number, port: number | null) => StoredWorker
}

/** A failed reload reads the worker's last lines this long after the failure (sup-logd writes them asynchronously). */
const LOG_GRACE_MS = 500

/** How long a reload waits at most, after the drain, for nginx's old workers to let go of the old workers' ports. */
export const MAX_LET_GO_MS = 5_000
const LET_GO_POLL_MS = 100
/** Polls in a row with no live connection and no new one before the ports count as let go. */
const QUIET_POLLS = 3

/** Resolves once `ports` had no live connection and no new one (an exiting nginx worker opens one per request) for QUIET_POLLS polls. */
async function waitQuiet (deps: SupervisorDeps, ports: readonly number[], deadline: number, sleep: (ms: number) => Promise<void>): Promise<void> {
  const activity = deps.probe.portActivity
  if (activity === undefined) return
  let seen = new Set<string>()
  for (let quiet = 0; quiet < QUIET_POLLS && deps.clock.now() < deadline;) {
    const now = await activity(ports).catch(() => ({ open: 0, keys: new Set<string>() }))
    // the first poll is the baseline: every connection it sees counts as new
    const isNew = [...now.keys].some((k) => !seen.has(k))
    quiet = now.open === 0 && !isNew ? quiet + 1 : 0
    seen = new Set([...seen, ...now.keys])
    if (quiet < QUIET_POLLS) await sleep(LET_GO_POLL_MS)
  }
}

/**
 * Called BEFORE the upstream swap: notes the nginx workers that use the old workers' ports (they run the old
 * upstream). The function it returns, called after the drain, resolves once those nginx workers have exited and
 * the ports are quiet, or after MAX_LET_GO_MS: only then may the old workers stop (nothing left to retry on).
 */
async function watchLetGo (deps: SupervisorDeps, ports: readonly number[]): Promise<() => Promise<void>> {
  if (deps.publisher.reloadsNginx !== true || ports.length === 0) return async () => undefined
  const users = (await deps.probe.nginxWorkersUsing?.(ports).catch(() => [])) ?? []
  const known = users.map((pid) => ({ pid, start: deps.procs.startTime(pid) })).filter((u) => u.start !== null)
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => { deps.clock.setTimer(ms, resolve) })
  return async () => {
    const deadline = deps.clock.now() + MAX_LET_GO_MS
    const isRunning = (u: { pid: number; start: number | null }): boolean => deps.procs.startTime(u.pid) === u.start
    while (known.some(isRunning) && deps.clock.now() < deadline) await sleep(LET_GO_POLL_MS)
    await waitQuiet(deps, ports, deadline, sleep)
  }
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
    claimSpares: (instances) => !e.spec.hasPort ? Promise.resolve(null) : deps.broker.claim(e.spec.portRange, instances.map((i) => holderOf(name, i))).catch(() => null),
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
    now: () => deps.clock.now(),
    watchLetGo: (ports) => watchLetGo(deps, ports),
    isHealthy: async (port) => e.spec.health === null || await deps.httpCheck(port, e.spec.health.path, e.spec.health.timeoutMs),
    // what the failed worker printed goes through its FIFO and sup-logd to disk: give that a moment on a busy box
    // (on Node 24 under load the tail was read before the replacement's own line had landed)
    lastOutput: async (instance) => {
      await new Promise<void>((resolve) => { deps.clock.setTimer(LOG_GRACE_MS, () => resolve()) })
      return await deps.readTail(name, instance, 20)
    },
    event: (type, reason, data) => appEvent(name, type, reason, data)
  }
}
