// Zero-downtime rolling reload: new workers started beside the old ones and swapped in, one upstream change per batch
// (the whole app when its range spares a port for every worker).
import type { AppSpec } from '../core/app-spec.ts'
import { SUP_ERR_RELOAD_FAILED } from '../errors.ts'
import type { WorkerRunner } from './worker-runner.ts'

/** What a reload needs from the supervisor (it owns the maps, ports, store and upstream). */
export interface ReloadContext {
  readonly app: string
  spec (): AppSpec
  /** The app's workers now, by instance. */
  runners (): WorkerRunner[]
  /** Free ports of the range for replacements of these instances, all or none (null: the range cannot spare them all). */
  claimSpares (instances: readonly number[]): Promise<number[] | null>
  /** A new, not-yet-persisted worker for `instance` on `port`, withdrawn: it joins the upstream when the reload swaps it in. */
  createReplacement (instance: number, port: number): WorkerRunner
  /** The replacement takes the old worker's place (maps, store row, port released). */
  promote (old: WorkerRunner, replacement: WorkerRunner): void
  /** A failed replacement: stopped, its port released, forgotten. */
  discard (replacement: WorkerRunner): Promise<void>
  /** Writes the upstream and reloads nginx; resolves when done. */
  publish (): Promise<void>
  sleep (ms: number): Promise<void>
  /** The daemon's clock, in ms (how long the reload took, in its event). */
  now (): number
  /**
   * Called before the swap with the old workers' ports; the function it returns, called after the drain, resolves
   * once nginx let go of them (bounded). nginx workers still running the old upstream may send a new request there
   * until they exit: stopping every old worker before would answer it 502 (no old worker left to retry on).
   */
  watchLetGo (ports: readonly number[]): Promise<() => Promise<void>>
  /** One health check of a port (true when the app has none). */
  isHealthy (port: number): Promise<boolean>
  /** The last lines a worker instance printed (for the error). */
  lastOutput (instance: number): Promise<string>
  event (type: string, reason: string, data: Record<string, unknown>): void
}

export interface ReloadResult { readonly replaced: number; readonly inPlace: number; readonly upstreamChanges: number }

/**
 * The instances a reload changed so far (replaced by a new worker, or restarted in place on the reload's spec), for
 * a caller that must put them back (a failed deploy). An instance is added once it runs (or tries to run) the new spec.
 */
export type MovedInstances = Set<number>

async function failed (ctx: ReloadContext, instance: number, why: string): Promise<never> {
  const tail = await ctx.lastOutput(instance).catch(() => '')
  ctx.event('reload-failed', `worker ${instance}: ${why}`, { instance })
  throw new SUP_ERR_RELOAD_FAILED(ctx.app, `worker ${instance} ${why}${tail === '' ? '' : `; its last output:\n${tail}`}`)
}

/** Why a started replacement cannot take over, or null when it is online and healthy. */
async function whyNot (ctx: ReloadContext, rep: WorkerRunner): Promise<string | null> {
  const state = rep.record().snapshot.state
  if (state !== 'online') return `did not become ready (${state})`
  return rep.port !== null && await ctx.isHealthy(rep.port) ? null : 'failed its health check'
}

/**
 * Starts a replacement for each old worker on its spare port, waits until every one is online and healthy, then
 * swaps them ALL in one upstream change (one nginx reload: each nginx reload closes idle keep-alive client
 * connections), drains, stops the old ones. When one replacement fails, every replacement is discarded and the
 * old workers were never touched.
 */
async function replaceAll (ctx: ReloadContext, olds: readonly WorkerRunner[], ports: readonly number[], moved: MovedInstances): Promise<void> {
  const reps = olds.map((old, i) => ctx.createReplacement(old.instance, ports[i] ?? 0))
  for (const rep of reps) rep.start('replacement for a reload')
  await Promise.all(reps.map((rep) => rep.settled()))
  const verdicts = await Promise.all(reps.map((rep) => whyNot(ctx, rep)))
  const bad = verdicts.findIndex((v) => v !== null)
  if (bad >= 0) {
    await Promise.all(reps.map((rep) => ctx.discard(rep)))
    await failed(ctx, olds[bad]?.instance ?? 0, verdicts[bad] ?? 'failed')
  }
  // one upstream change: every replacement in, every old worker out. Requests nginx's old workers already sent
  // to an old worker finish during the drain; it still listens until then. New ones first: no intermediate
  // upstream (the publisher debounces them into this one) ever lists fewer than all the workers.
  const letGo = await ctx.watchLetGo(olds.flatMap((old) => old.port === null ? [] : [old.port]))
  for (const rep of reps) rep.setWithdrawn(false)
  for (const old of olds) old.setWithdrawn(true)
  await ctx.publish()
  await ctx.sleep(ctx.spec().drainMs)
  await letGo()
  await Promise.all(olds.map((old) => old.stop('replaced by a reload')))
  olds.forEach((old, i) => {
    const rep = reps[i]
    if (rep === undefined) return
    ctx.promote(old, rep)
    moved.add(old.instance)
  })
}

/** No spare port: withdraw the worker, drain, restart it in place, publish it again. */
async function restartInPlace (ctx: ReloadContext, old: WorkerRunner, moved: MovedInstances): Promise<void> {
  old.setWithdrawn(true)
  await ctx.publish()
  await ctx.sleep(ctx.spec().drainMs)
  await old.stop('restarted in place by a reload')
  old.setWithdrawn(false)
  old.setSpec(ctx.spec())
  moved.add(old.instance)
  old.start('reload (in place)')
  await old.settled()
  const ok = old.record().snapshot.state === 'online' && (old.port === null || await ctx.isHealthy(old.port))
  if (!ok) await failed(ctx, old.instance, 'did not come back after a restart in place')
  await ctx.publish()
}

/**
 * The longest head of `rest`, of at most `max` workers, the range has a spare port for each of (all or none per try),
 * with those ports; none when not even one is free.
 */
async function claimBatch (ctx: ReloadContext, rest: readonly WorkerRunner[], max: number): Promise<{ batch: WorkerRunner[]; ports: number[] } | null> {
  for (let n = Math.min(rest.length, max); n > 0; n--) {
    const batch = rest.slice(0, n)
    const ports = await ctx.claimSpares(batch.map((r) => r.instance))
    if (ports !== null) return { batch, ports }
  }
  return null
}

/**
 * Replaces every worker of the app. When the range can spare a port for each, all at once (one nginx reload);
 * else in batches as large as the spare ports (4 workers and 2 spares: two swaps, not four), and in place, one
 * at a time, when no port is spare. Stops at the first failure (the workers not yet moved keep serving); `moved`
 * tells the caller which instances run the new spec.
 */
export async function rollingReload (ctx: ReloadContext, moved: MovedInstances = new Set()): Promise<ReloadResult> {
  const began = ctx.now()
  let rest = ctx.runners()
  let replaced = 0
  let inPlace = 0
  let upstreamChanges = 0
  // a batch frees as many ports as it took, so the next is no larger; with none spare, one port is tried per worker
  // (one may free meanwhile): a range with no spare costs a few claims per worker, not one per batch size tried
  let max = rest.length
  for (let old = rest[0]; old !== undefined; old = rest[0]) {
    const claimed = await claimBatch(ctx, rest, max)
    max = claimed?.batch.length ?? 1
    if (claimed !== null) {
      await replaceAll(ctx, claimed.batch, claimed.ports, moved)
      replaced += claimed.batch.length
      upstreamChanges++
      rest = rest.slice(claimed.batch.length)
    } else {
      await restartInPlace(ctx, old, moved)
      inPlace++
      upstreamChanges += 2
      rest = rest.slice(1)
    }
  }
  const ms = ctx.now() - began
  ctx.event('reloaded', `reloaded in ${(ms / 1000).toFixed(1)} s: ${replaced} worker(s) replaced, ${inPlace} restarted in place`, { replaced, inPlace, upstreamChanges, ms })
  return { replaced, inPlace, upstreamChanges }
}
