// Rolls an app onto a new spec (a deploy or rollback) the way `sup reload` does; on failure every moved worker goes back.
import type { AppSpec } from '../core/app-spec.ts'
import { rollingReload, type MovedInstances, type ReloadContext } from './rolling-reload.ts'
import type { AppEntry } from './supervisor-types.ts'

export interface RolloutHelpers {
  reloadContext (e: AppEntry, only?: number): ReloadContext
  /** Persists the app's (new) spec. */
  saveSpec (e: AppEntry): void
  onError (err: unknown, where: string): void
}

/**
 * What a failed roll-out left: the instances it moved onto the new spec, and those of them it could not put back
 * (they still run, or retry, the new spec: its release must be kept). Set on the error `rollOnto` rethrows.
 */
export interface RolloutAftermath { readonly moved: readonly number[]; readonly stuck: readonly number[] }

export type RolloutError = Error & { rollout?: RolloutAftermath }

/**
 * Replaces every worker by one running `spec` (same instance count: the caller scales afterwards). When a new
 * worker does not become ready, every instance the roll-out touched (replaced, or restarted in place) is rolled
 * back onto the old spec, the old spec is kept, and the reload's error is rethrown (it carries the new worker's
 * last output) with `rollout` saying what was moved and what could not be put back.
 */
export async function rollOnto (e: AppEntry, spec: AppSpec, h: RolloutHelpers): Promise<void> {
  const old = e.spec
  const moved: MovedInstances = new Set()
  e.spec = { ...spec, instances: old.instances }
  try {
    await rollingReload(h.reloadContext(e), moved)
  } catch (err) {
    e.spec = old
    const stuck: number[] = []
    for (const instance of [...moved].sort((a, b) => a - b)) {
      try { await rollingReload(h.reloadContext(e, instance)) } catch (back) {
        stuck.push(instance)
        h.onError(back, `${old.name}:${instance} roll back`)
      }
    }
    if (err instanceof Error) (err as RolloutError).rollout = { moved: [...moved].sort((a, b) => a - b), stuck }
    throw err
  }
  for (const r of e.runners.values()) r.setSpec(e.spec)
  h.saveSpec(e)
}
