// Zero-downtime rolling reload: replace workers one at a time, each new one published before the old one leaves.
import type { AppSpec } from '../core/app-spec.ts'
import { SUP_ERR_RELOAD_FAILED } from '../errors.ts'
import type { WorkerRunner } from './worker-runner.ts'

/** What a reload needs from the supervisor (it owns the maps, ports, store and upstream). */
export interface ReloadContext {
  readonly app: string
  spec (): AppSpec
  /** The app's workers now, by instance. */
  runners (): WorkerRunner[]
  /** A free port of the range for a replacement, or null when the range has none to spare. */
  claimSpare (instance: number): Promise<number | null>
  /** A new, not-yet-persisted worker for `instance` on `port`; it counts in the upstream once online. */
  createReplacement (instance: number, port: number): WorkerRunner
  /** The replacement takes the old worker's place (maps, store row, port released). */
  promote (old: WorkerRunner, replacement: WorkerRunner): void
  /** A failed replacement: stopped, its port released, forgotten. */
  discard (replacement: WorkerRunner): Promise<void>
  /** Writes the upstream and reloads nginx; resolves when done. */
  publish (): Promise<void>
  sleep (ms: number): Promise<void>
  /** One health check of a port (true when the app has none). */
  isHealthy (port: number): Promise<boolean>
  /** The last lines a worker instance printed (for the error). */
  lastOutput (instance: number): Promise<string>
  event (type: string, reason: string, data: Record<string, unknown>): void
}

export interface ReloadResult { readonly replaced: number; readonly inPlace: number }

async function failed (ctx: ReloadContext, instance: number, why: string): Promise<never> {
  const tail = await ctx.lastOutput(instance).catch(() => '')
  ctx.event('reload-failed', `worker ${instance}: ${why}`, { instance })
  throw new SUP_ERR_RELOAD_FAILED(ctx.app, `worker ${instance} ${why}${tail === '' ? '' : `; its last output:\n${tail}`}`)
}

/** Start the replacement on a spare port, wait ready + healthy, publish it with the old one withdrawn, drain, stop the old one. */
async function replace (ctx: ReloadContext, old: WorkerRunner, port: number): Promise<void> {
  const rep = ctx.createReplacement(old.instance, port)
  rep.start('replacement for a reload')
  await rep.settled()
  const ok = rep.record().snapshot.state === 'online' && await ctx.isHealthy(port)
  if (!ok) {
    const state = rep.record().snapshot.state
    await ctx.discard(rep)
    await failed(ctx, old.instance, state === 'online' ? 'failed its health check' : `did not become ready (${state})`)
  }
  // one upstream change, one nginx reload: the replacement in, the old worker out. Requests nginx's old
  // workers already sent to it finish during the drain; it still listens until then.
  old.setWithdrawn(true)
  await ctx.publish()
  await ctx.sleep(ctx.spec().drainMs)
  await old.stop('replaced by a reload')
  ctx.promote(old, rep)
}

/** No spare port: withdraw the worker, drain, restart it in place, publish it again. */
async function restartInPlace (ctx: ReloadContext, old: WorkerRunner): Promise<void> {
  old.setWithdrawn(true)
  await ctx.publish()
  await ctx.sleep(ctx.spec().drainMs)
  await old.stop('restarted in place by a reload')
  old.setWithdrawn(false)
  old.setSpec(ctx.spec())
  old.start('reload (in place)')
  await old.settled()
  const ok = old.record().snapshot.state === 'online' && (old.port === null || await ctx.isHealthy(old.port))
  if (!ok) await failed(ctx, old.instance, 'did not come back after a restart in place')
  await ctx.publish()
}

/** Replaces every worker of the app, one at a time; stops at the first failure (the others keep serving). */
export async function rollingReload (ctx: ReloadContext): Promise<ReloadResult> {
  let replaced = 0
  let inPlace = 0
  for (const old of ctx.runners()) {
    const port = await ctx.claimSpare(old.instance)
    if (port === null) { await restartInPlace(ctx, old); inPlace++ } else { await replace(ctx, old, port); replaced++ }
  }
  ctx.event('reloaded', `reloaded: ${replaced} worker(s) replaced, ${inPlace} restarted in place`, { replaced, inPlace })
  return { replaced, inPlace }
}
