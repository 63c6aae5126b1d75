// Issue 11: a queued job re-resolves its app inside the queue; automated restarts never revive a stopped or deleted app.
import { describe, expect, it } from 'vitest'
import type { AppSpecInput } from '../../../src/core/app-spec.ts'
import type { UsageSampler } from '../../../src/core/ports.ts'
import { startResourceWatch } from '../../../src/runtime/resource-watch.ts'
import { initialSnapshot } from '../../../src/core/worker-machine.ts'
import { createSup, flush, makeSpec } from './harness.ts'

const API: AppSpecInput = { name: 'api', script: '/srv/api/server.js', portRange: '8000-8009' }
const alive = (s: ReturnType<typeof createSup>): number => s.spawner.procs.filter((p) => !p.hasExited).length

/** Advances the fake clock in steps, letting promises run between them. */
async function run (s: ReturnType<typeof createSup>, ms: number, step = 250): Promise<void> {
  for (let t = 0; t < ms; t += step) { s.clock.advance(step); await flush(20) }
}

/**
 * Three workers that ignore SIGTERM (only the kill timeout ends them); instance 2 is being scaled away, which holds the
 * queue; then `command` is queued; then instance 1's health check fails 3 times: its replacement is queued after it.
 */
async function healthRestartQueuedBehind (command: 'deleteApp' | 'stopApp') {
  const unhealthy = new Set<number>()
  const s = createSup({ unhealthy, exitOn: [] })
  await s.sup.createApp({ ...API, instances: 3, health: '/healthz', healthInterval: '1s', healthFailures: 3, killTimeout: '10s' }, true)
  unhealthy.add(8001)
  const scaled = s.sup.scaleApp('api', 2)
  await flush()
  const done = s.sup[command]('api')
  await run(s, 3_000) // three failed checks: the health restart is asked for now, behind `command`
  expect(s.sup.events({ app: 'api', limit: 100 }).filter((e) => e.type === 'unhealthy')).toHaveLength(1)
  await run(s, 30_000)
  await scaled
  await done
  await run(s, 5_000)
  return s
}

describe('a job queued before a delete or stop runs against what is there when its turn comes', () => {
  it('a health restart queued behind `sup delete` spawns nothing and holds no port', async () => {
    const s = await healthRestartQueuedBehind('deleteApp')
    expect(s.spawner.procs).toHaveLength(3)
    expect(alive(s)).toBe(0)
    expect(s.store.listApps()).toEqual([])
    // every port of the range is free again: a new app gets all ten
    const again = await s.sup.createApp({ ...API, name: 'web', script: '/srv/web/server.js', instances: 10 }, true)
    expect(again.workers.map((w) => w.port)).toEqual([8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009])
    expect(s.sup.events({ app: 'api', limit: 100 }).find((e) => e.type === 'skipped')?.reason).toContain('the app was deleted')
  })

  it('a health restart queued behind `sup stop` starts no worker of the stopped app', async () => {
    const s = await healthRestartQueuedBehind('stopApp')
    expect(s.spawner.procs).toHaveLength(3)
    expect(alive(s)).toBe(0)
    expect(s.sup.getApp('api').desired).toBe('stopped')
    expect(s.sup.getApp('api').workers.map((w) => w.state)).toEqual(['stopped', 'stopped'])
    expect(s.sup.events({ app: 'api', limit: 100 }).find((e) => e.type === 'skipped')?.reason).toContain('the app is stopped')
  })

  it('a rule restart asked while `sup stop` runs does not restart the stopped app', async () => {
    const s = createSup({ exitOn: [] })
    await s.sup.createApp({ ...API, instances: 2, killTimeout: '10s' }, true)
    const stopped = s.sup.stopApp('api')
    const replaced = s.sup.replaceWorker('api', 1, { type: 'rule-restart', reason: 'worker 1: memory above 100M' })
    await run(s, 12_000)
    await stopped
    expect(await replaced).toBe(false)
    expect(s.spawner.procs).toHaveLength(2)
    expect(alive(s)).toBe(0)
    const rule = s.sup.events({ app: 'api', limit: 100 }).filter((e) => e.type === 'rule-restart' || e.type === 'skipped')
    expect(rule.map((e) => e.reason).join('\n')).not.toContain('replacing it')
  })
})

describe('cron restarts', () => {
  const sampler: UsageSampler = { sample: async () => new Map() }

  it('a cron restart due right after `sup stop` does not start the app again', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2, cronRestart: '* * * * * *', drain: '0' }, true)
    const watch = startResourceWatch({ clock: s.clock, sampler, supervisor: s.sup, onError: (err) => { throw err } })
    await s.sup.stopApp('api')
    await run(s, 4_000)
    watch.stop()
    expect(s.sup.getApp('api').desired).toBe('stopped')
    expect(s.store.listApps()[0]?.desired).toBe('stopped')
    expect(alive(s)).toBe(0)
    expect(s.spawner.procs).toHaveLength(2)
  })

  it('a running app is restarted on schedule and each worker counts one restart', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2, cronRestart: '* * * * * *', drain: '0' }, true)
    const watch = startResourceWatch({ clock: s.clock, sampler, supervisor: s.sup, onError: (err) => { throw err } })
    await run(s, 1_000)
    watch.stop()
    await run(s, 1_000)
    expect(s.spawner.procs.length).toBeGreaterThanOrEqual(4)
    expect(s.sup.getApp('api').workers.map((w) => [w.state, w.restarts])).toEqual([['online', 1], ['online', 1]])
  })
})

describe('shutdown', () => {
  it('stops the replacement workers of a reload in flight too (`sup kill` during a reload)', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2, drain: '30s' }, true)
    void s.sup.reloadApp('api').catch(() => undefined)
    await run(s, 1_000) // the replacements (both at once: the range has spare ports) are online, the old workers drain
    expect(s.spawner.procs).toHaveLength(4)
    const down = s.sup.shutdown()
    await run(s, 2_000)
    await down
    expect(alive(s)).toBe(0)
  })
})

describe('health replacements count as restarts', () => {
  it('each adds 1 to restarts (never reset by the replacement) and too many in the window end errored', async () => {
    // a /healthz that passes the first check of each port (the reload's), then fails: replaced again and again
    const checks = new Map<string, number>()
    const pidOn = (port: number): number | undefined => s.spawner.procs.findLast((p) => p.spec.env.PORT === String(port))?.pid
    const failsAfterFirst = {
      has: (port: number) => { const k = `${port}/${pidOn(port)}`; checks.set(k, (checks.get(k) ?? 0) + 1); return (checks.get(k) ?? 0) > 1 }
    } as unknown as Set<number>
    const s: ReturnType<typeof createSup> = createSup({ unhealthy: failsAfterFirst })
    await s.sup.createApp({ ...API, instances: 1, health: '/healthz', healthInterval: '1s', healthFailures: 2, maxRestarts: 2, restartWindow: '1h', drain: '0' }, true)
    const seen: number[] = []
    for (let i = 0; i < 20; i++) {
      await run(s, 1_000)
      seen.push(s.sup.getApp('api').workers[0]?.restarts ?? -1)
    }
    expect(seen).toEqual([...seen].sort((a, b) => a - b)) // never goes down
    const w = s.sup.getApp('api').workers[0]
    expect(w).toMatchObject({ state: 'errored', restarts: 2 })
    expect(alive(s)).toBe(0)
    expect(s.sup.events({ app: 'api', limit: 200 }).some((e) => e.type === 'gave-up')).toBe(true)
  })
})

describe('boot work goes through the app queue', () => {
  it('a store that cannot write while a scale down is finished at boot: an error logged, no unhandled rejection, the daemon serves', async () => {
    const s = createSup()
    const spec = makeSpec({ instances: 1 })
    const w = (instance: number) => ({ app: 'api', instance, port: 8000 + instance, marker: null, pidStartTime: null, startedAt: null, snapshot: initialSnapshot() })
    s.store.createApp({ name: 'api', spec, desired: 'running', createdAt: 1 }, [w(0), w(1)])
    s.store.deleteWorker = () => { throw Object.assign(new Error('disk I/O error'), { code: 'SUP_ERR_STATE_WRITE' }) }
    await s.sup.boot()
    await run(s, 1_000)
    expect(s.errors.map((e) => e.where)).toEqual(['api boot'])
    s.errors.length = 0
    expect(s.sup.events({ app: 'api', limit: 100 }).find((e) => e.type === 'restore-failed')?.reason).toContain('disk I/O error')
    // a command queued after the boot work runs normally
    expect(s.sup.getApp('api').workers[0]?.state).toBe('online')
    expect((await s.sup.stopApp('api')).desired).toBe('stopped')
  })
})
