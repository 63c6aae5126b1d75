// Rolls an app onto a new spec (a deploy or rollback) the way `sup reload` does; on failure every worker goes back.
import type { AppSpec } from '../core/app-spec.ts'
import { rollingReload, type ReloadContext } from './rolling-reload.ts'
import type { AppEntry } from './supervisor-types.ts'
import type { WorkerRunner } from './worker-runner.ts'

export interface RolloutHelpers {
  reloadContext (e: AppEntry, only?: number): ReloadContext
  /** Persists the app's (new) spec. */
  saveSpec (e: AppEntry): void
  onError (err: unknown, where: string): void
}

/**
 * Replaces every worker by one running `spec` (same instance count: the caller scales afterwards). When a new
 * worker does not become ready, the instances already moved are rolled back onto the old spec, the old spec is
 * kept, and the reload's error is rethrown (it carries the new worker's last output).
 */
export async function rollOnto (e: AppEntry, spec: AppSpec, h: RolloutHelpers): Promise<void> {
  const old = e.spec
  const before = new Map<number, WorkerRunner>(e.runners)
  e.spec = { ...spec, instances: old.instances }
  try {
    await rollingReload(h.reloadContext(e))
  } catch (err) {
    e.spec = old
    const moved = [...e.runners.values()].filter((r) => before.get(r.instance) !== r || r.record().snapshot.state !== 'online')
    for (const r of moved) {
      try { await rollingReload(h.reloadContext(e, r.instance)) } catch (back) { h.onError(back, `${old.name}:${r.instance} roll back`) }
    }
    throw err
  }
  for (const r of e.runners.values()) r.setSpec(e.spec)
  h.saveSpec(e)
}
