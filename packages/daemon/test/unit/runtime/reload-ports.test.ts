// Reload and deploy roll-outs over the fakes: ports owned by their workers, one upstream swap, every moved instance rolled back.
import { describe, expect, it } from 'vitest'
import type { AppSpecInput } from '../../../src/core/app-spec.ts'
import { createSup, flush, makeSpec, rejection } from './harness.ts'

const API: AppSpecInput = { name: 'api', script: '/srv/api/server.js', instances: 2, portRange: '8000-8002', drain: '1s' }

type Sup = ReturnType<typeof createSup>

/** Drives the fake clock until `p` settles (bounded): a reload waits on drain timers. */
async function settle<T> (s: Sup, p: Promise<T>): Promise<T> {
  let done = false
  void p.then(() => { done = true }, () => { done = true })
  for (let i = 0; i < 300 && !done; i++) { await flush(); s.clock.advance(100) }
  return p
}

/** Contract: the ports held == the ports of the app's workers (runners; no replacement is left after a reload). */
function expectPortsOwnedByWorkers (s: Sup): void {
  const workers = s.sup.listApps().flatMap((a) => a.workers.map((w) => ({ port: w.port, holder: `${a.name}:${w.instance}` })))
  expect(s.broker.list()).toEqual(workers.sort((a, b) => (a.port ?? 0) - (b.port ?? 0)))
}

describe('ports of reload replacements', () => {
  it('a replacement that fails gives its spare port back: the next reload still replaces through it (failed before: in place)', async () => {
    const s = createSup()
    const before = await s.sup.createApp(API, true)
    s.spawner.failNext('boom')
    // one spare port (8002): instance 0 gets it, its replacement fails to spawn and is discarded
    expect((await rejection(settle(s, s.sup.reloadApp('api')))).code).toBe('SUP_ERR_RELOAD_FAILED')
    expectPortsOwnedByWorkers(s)
    const after = await settle(s, s.sup.reloadApp('api'))
    expect(after.workers.map((w) => w.pid)).not.toEqual(before.workers.map((w) => w.pid))
    // replaced through the spare port (never restarted in place): instance 0 moved off 8000
    expect(after.workers[0]?.port).toBe(8002)
    expect(s.sup.events({ app: 'api', limit: 50 }).find((e) => e.type === 'reloaded')?.data).toMatchObject({ replaced: 2, inPlace: 0 })
    expectPortsOwnedByWorkers(s)
  })

  it('with a spare port for every worker: all replaced at once, one upstream swap (never fewer than all workers listed)', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 3, portRange: '8000-8005' }, true)
    await flush()
    const from = s.upstreams.length
    const after = await settle(s, s.sup.reloadApp('api'))
    expect(after.workers.map((w) => w.port)).toEqual([8003, 8004, 8005])
    const published = s.upstreams.slice(from).filter((u, i, all) => u !== all[i - 1])
    // the replacements are withdrawn until the swap (in the daemon, the publisher debounces the swap's steps into one write)
    expect(published.at(-1)).toBe('api=8003,8004,8005')
    for (const u of published) expect(u.split('=')[1]?.split(',').length).toBeGreaterThanOrEqual(3)
    const reloaded = s.sup.events({ app: 'api', limit: 50 }).find((e) => e.type === 'reloaded')
    expect(reloaded?.data).toMatchObject({ replaced: 3, inPlace: 0, upstreamChanges: 1 })
    // how long it took, by the daemon's clock: at least the 1 s drain
    expect((reloaded?.data as { ms: number }).ms).toBeGreaterThanOrEqual(1_000)
    expect(reloaded?.reason).toMatch(/^reloaded in \d+\.\d s: 3 worker\(s\) replaced, 0 restarted in place$/)
    expectPortsOwnedByWorkers(s)
  })

  it('with fewer spare ports than workers: in batches as large as the spares, one upstream swap each (was one per worker)', async () => {
    const s = createSup()
    const before = await s.sup.createApp({ ...API, instances: 4, portRange: '8000-8005' }, true)
    await flush()
    const after = await settle(s, s.sup.reloadApp('api'))
    for (const w of after.workers) expect(before.workers.map((b) => b.pid)).not.toContain(w.pid)
    expect(s.sup.events({ app: 'api', limit: 50 }).find((e) => e.type === 'reloaded')?.data).toMatchObject({ replaced: 4, inPlace: 0, upstreamChanges: 2 })
    expectPortsOwnedByWorkers(s)
  })

  it('a batch whose replacement fails discards every replacement: old workers untouched, every spare port back', async () => {
    const s = createSup()
    const before = await s.sup.createApp({ ...API, portRange: '8000-8003' }, true)
    s.spawner.failNext('boom')
    expect((await rejection(settle(s, s.sup.reloadApp('api')))).code).toBe('SUP_ERR_RELOAD_FAILED')
    expect(s.sup.getApp('api').workers.map((w) => w.pid)).toEqual(before.workers.map((w) => w.pid))
    expect(s.spawner.procs.slice(0, 2).every((p) => !p.hasExited)).toBe(true)
    expectPortsOwnedByWorkers(s)
  })
})

describe('deploy roll-out (rollOnto) failing half-way', () => {
  it('rolls back instances restarted in place too (failed before: instance 0 stayed on the new release)', async () => {
    const unhealthy = new Set([8001])
    const s = createSup({ unhealthy, files: ['/srv/v1/server.js'] })
    // no spare port: every instance restarts in place; the new spec has a health check instance 1 fails
    await s.sup.createApp({ ...API, script: '/srv/v1/server.js', portRange: '8000-8001' }, true)
    const v2 = makeSpec({ ...API, script: '/srv/v2/server.js', portRange: '8000-8001', health: '/healthz' })
    const err = await rejection(settle(s, s.sup.deployApp('api', v2))) as Error & { code?: string; rollout?: { moved: number[]; stuck: number[] } }
    expect(err.code).toBe('SUP_ERR_RELOAD_FAILED')
    expect(err.rollout).toEqual({ moved: [0, 1], stuck: [] })
    // the last process of each instance runs the old script, and is online
    for (const i of [0, 1]) expect(s.spawner.procs.filter((p) => p.spec.instance === i).at(-1)?.spec.args[0]).toBe('/srv/v1/server.js')
    expect(s.sup.getApp('api').workers.map((w) => w.state)).toEqual(['online', 'online'])
    expect(s.sup.specOf('api')?.script).toBe('/srv/v1/server.js')
    expectPortsOwnedByWorkers(s)
  })
})
