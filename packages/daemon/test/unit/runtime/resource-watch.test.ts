// Rules through the real supervisor on fakes: a fired rule replaces that worker (zero-downtime) and says why.
import { describe, expect, it } from 'vitest'
import type { TreeUsage, UsageSampler } from '../../../src/core/ports.ts'
import { startResourceWatch } from '../../../src/runtime/resource-watch.ts'
import { createSup, flush, makeSpec } from './harness.ts'

const MB = 1024 * 1024

describe('resource watch', () => {
  it('replaces the worker whose tree stays over --max-memory, records which rule and values, and leaves the others alone', async () => {
    const s = createSup()
    const memory = new Map<number, number>()
    const sampler: UsageSampler = {
      async sample (roots) {
        return new Map(roots.map((pid): [number, TreeUsage] => [pid, { cpu: 2, memory: (memory.get(pid) ?? 40) * MB, pids: 1 }]))
      }
    }
    const before = await s.sup.createApp({ name: 'api', script: '/srv/api/server.js', portRange: '8000-8005', instances: 3, maxMemory: '100M', over: '3/5', drain: '0' }, true)
    const watch = startResourceWatch({ clock: s.clock, sampler, supervisor: s.sup, onError: (err) => { throw err } })
    const pids = before.workers.map((w) => w.pid)
    memory.set(pids[1] ?? 0, 200)
    for (let i = 0; i < 3; i++) { s.clock.advance(1000); await flush(30) }
    const events = s.sup.events({ app: 'api', limit: 100 })
    const rule = events.find((e) => e.type === 'rule-restart')
    expect(rule).toMatchObject({ instance: 1, data: { pid: pids[1], rules: [{ rule: 'memory', limit: 100 * MB, over: '3/5', values: [200 * MB, 200 * MB, 200 * MB] }] } })
    expect(rule?.reason).toContain('memory above 100.0M in 3 of the last 3 samples')
    for (let i = 0; i < 5; i++) { s.clock.advance(500); await flush(30) }
    const after = watch.getApp('api')
    expect(after.workers.map((w) => w.state)).toEqual(['online', 'online', 'online'])
    expect(after.workers[0]?.pid).toBe(pids[0])
    expect(after.workers[2]?.pid).toBe(pids[2])
    expect(after.workers[1]?.pid).not.toBe(pids[1])
    // Usage shows on the views of sampled workers
    expect(after.workers[0]).toMatchObject({ cpu: 2, memory: 40 * MB })
    expect(s.sup.events({ app: 'api', limit: 100 }).filter((e) => e.type === 'rule-restart')).toHaveLength(1)
    watch.stop()
  })
})

describe('sampling follows rules and readers', () => {
  it('an app without rules is sampled only when read; a rule applied later is sampled from the next 5 s check on', async () => {
    const s = createSup()
    const calls: number[][] = []
    const sampler: UsageSampler = {
      async sample (roots) {
        calls.push([...roots])
        return new Map(roots.map((pid): [number, TreeUsage] => [pid, { cpu: 3, memory: 50 * MB, pids: 1 }]))
      }
    }
    const watch = startResourceWatch({ clock: s.clock, sampler, supervisor: s.sup, onError: (err) => { throw err } })
    await s.sup.createApp({ name: 'api', script: '/srv/api/server.js', portRange: '8000-8005', instances: 2, drain: '0' }, true)
    for (let i = 0; i < 20; i++) { s.clock.advance(1000); await flush(10) }
    expect(calls).toEqual([])
    expect(watch.getApp('api').workers[0]?.memory).toBeUndefined()
    // a read samples at once
    await watch.fresh()
    expect(watch.getApp('api').workers.map((w) => w.memory)).toEqual([50 * MB, 50 * MB])
    // a minute later, with no reader, the sampling has stopped
    for (let i = 0; i < 70; i++) { s.clock.advance(1000); await flush(10) }
    const afterRead = calls.length
    for (let i = 0; i < 10; i++) { s.clock.advance(1000); await flush(10) }
    expect(calls).toHaveLength(afterRead)
    // a rule set by applying a changed definition (the same workers, no app change) is sampled from the next check
    let applied = false
    void s.sup.applyApp({ name: 'api', script: '/srv/api/server.js', portRange: '8000-8005', instances: 2, drain: '0', maxMemory: '1G' }).then(() => { applied = true })
    for (let i = 0; i < 20 && !applied; i++) { s.clock.advance(100); await flush(10) }
    expect(applied).toBe(true)
    const before = calls.length
    for (let i = 0; i < 8; i++) { s.clock.advance(1000); await flush(10) }
    const pids = watch.getApp('api').workers.map((w) => w.pid)
    expect(calls.length - before).toBeGreaterThanOrEqual(3)
    expect(calls[calls.length - 1]?.sort()).toEqual(pids.sort())
    watch.stop()
  })
})

describe('rules across daemon lives', () => {
  it('a spec stored by an older sup (no rule fields) boots with no limits; rules given at start survive a reboot', async () => {
    const s = createSup()
    const { maxMemory: _m, maxCpu: _c, over: _o, sampleIntervalMs: _i, cronRestart: _r, ...old } = makeSpec()
    const ruled = makeSpec({ name: 'web', script: '/srv/web/server.js', maxMemory: '150M', over: '5', cronRestart: '0 3 * * *' })
    s.store.createApp({ name: 'api', spec: old as typeof ruled, desired: 'stopped', createdAt: 1 }, [])
    s.store.createApp({ name: 'web', spec: ruled, desired: 'stopped', createdAt: 1 }, [])
    await s.sup.boot()
    expect(s.sup.getApp('api').spec).toMatchObject({ maxMemory: null, maxCpu: null, over: { count: 3, of: 5 }, sampleIntervalMs: 1000, cronRestart: null })
    expect(s.sup.getApp('web').spec).toMatchObject({ maxMemory: 150 * MB, maxCpu: null, over: { count: 5, of: 5 }, cronRestart: '0 3 * * *' })
  })
})
