// Rolling reload and health checks over the fakes: who serves at every step, which processes end, what fails.
import { describe, expect, it } from 'vitest'
import type { AppSpecInput } from '../../../src/core/app-spec.ts'
import { createSup, flush, rejection } from './harness.ts'

const API: AppSpecInput = { name: 'api', script: '/srv/api/server.js', instances: 2, portRange: '8000-8009', drain: '1s' }

/** Drives the fake clock until `p` settles (bounded): a reload waits on drain timers. */
async function settle<T> (s: ReturnType<typeof createSup>, p: Promise<T>): Promise<T> {
  let done = false
  void p.then(() => { done = true }, () => { done = true })
  for (let i = 0; i < 200 && !done; i++) { await flush(); s.clock.advance(100) }
  return p
}

/** The number of ports in each upstream published for `app`, in order. */
const sizes = (s: ReturnType<typeof createSup>, app = 'api'): number[] =>
  s.upstreams.filter((u) => u.startsWith(`${app}=`)).map((u) => u.slice(app.length + 1).split(',').filter((p) => p !== '').length)

describe('reloadApp', () => {
  it('replaces every worker through a spare port; the upstream never holds fewer than all the workers', async () => {
    const s = createSup()
    const before = await s.sup.createApp(API, true)
    await flush()
    const published = s.upstreams.length
    const after = await settle(s, s.sup.reloadApp('api'))
    const oldPids = before.workers.map((w) => w.pid)
    expect(after.workers.map((w) => w.state)).toEqual(['online', 'online'])
    for (const w of after.workers) expect(oldPids).not.toContain(w.pid)
    expect(s.spawner.procs.slice(0, 2).every((p) => p.hasExited && p.signals[0] === 'SIGTERM')).toBe(true)
    expect(Math.min(...sizes(s).slice(published))).toBeGreaterThanOrEqual(2)
    expect(s.store.listWorkers().map((w) => [w.instance, w.port, w.snapshot.pid])).toEqual(after.workers.map((w) => [w.instance, w.port, w.pid]))
  })

  it('withdraws, drains and restarts in place when the range has no spare port', async () => {
    const s = createSup()
    const before = await s.sup.createApp({ ...API, portRange: '8000-8001' }, true)
    const after = await settle(s, s.sup.reloadApp('api'))
    expect(after.workers.map((w) => w.port)).toEqual([8000, 8001])
    expect(after.workers.map((w) => w.pid)).not.toEqual(before.workers.map((w) => w.pid))
    expect(after.workers.map((w) => w.state)).toEqual(['online', 'online'])
  })

  it('stops at a replacement that does not come up: an error with its output, the old workers untouched', async () => {
    const s = createSup()
    const before = await s.sup.createApp(API, true)
    s.spawner.failNext('boom')
    const err = await rejection(settle(s, s.sup.reloadApp('api')))
    expect(err.code).toBe('SUP_ERR_RELOAD_FAILED')
    expect(err.message).toContain('last words of api:0')
    const now = s.sup.getApp('api')
    expect(now.workers.map((w) => w.pid)).toEqual(before.workers.map((w) => w.pid))
    expect(s.spawner.procs.slice(0, 2).every((p) => !p.hasExited)).toBe(true)
    expect(s.upstreams.at(-1)).toBe('api=8000,8001')
  })

  it('refuses a second reload of the same app while one runs', async () => {
    const s = createSup()
    await s.sup.createApp(API, true)
    const first = s.sup.reloadApp('api')
    const second = await rejection(s.sup.reloadApp('api'))
    expect(second.code).toBe('SUP_ERR_APP_BUSY')
    await settle(s, first)
  })
})

describe('health checks', () => {
  it('takes a failing worker out of the upstream at the first failure and replaces it after the threshold', async () => {
    const unhealthy = new Set<number>()
    const s = createSup({ unhealthy })
    await s.sup.createApp({ ...API, health: '/healthz', healthInterval: '1s', healthFailures: 3 }, true)
    const victim = s.spawner.procs[1]
    unhealthy.add(8001)
    s.clock.advance(1_000)
    await flush()
    expect(s.upstreams.at(-1)).toBe('api=8000')
    expect(s.sup.getApp('api').workers[1]?.pid).toBe(victim?.pid)
    s.clock.advance(2_000)
    await flush()
    // third failure: replaced the zero-downtime way (a new worker on a spare port, then the old one stopped)
    for (let i = 0; i < 40 && victim?.hasExited !== true; i++) { s.clock.advance(100); await flush() }
    expect(victim?.hasExited).toBe(true)
    const w = s.sup.getApp('api').workers[1]
    expect(w?.state).toBe('online')
    expect(w?.port).not.toBe(8001)
    expect(s.sup.events({ app: 'api', limit: 100 }).some((e) => e.type === 'health-restart')).toBe(true)
  })
})
