// Supervisor: scale, stop/start/restart, delete and boot — what the store and the processes look like afterwards.
import { describe, expect, it } from 'vitest'
import type { AppSpecInput } from '../../../src/core/app-spec.ts'
import { initialSnapshot } from '../../../src/core/worker-machine.ts'
import { createSup, flush, makeSpec } from './harness.ts'

const API: AppSpecInput = { name: 'api', script: '/srv/api/server.js', portRange: '8000-8004' }
const rows = (s: ReturnType<typeof createSup>): string[] => s.store.listWorkers().map((w) => `${w.app}:${w.instance}@${w.port ?? '-'}:${w.snapshot.state}`)

describe('scaleApp', () => {
  it('scales up onto the next free ports, starts the new workers and stores them', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2 }, true)
    const v = await s.sup.scaleApp('api', 4)
    expect(v.workers.map((w) => [w.instance, w.port, w.state])).toEqual([[0, 8000, 'online'], [1, 8001, 'online'], [2, 8002, 'online'], [3, 8003, 'online']])
    expect(rows(s)).toEqual(['api:0@8000:online', 'api:1@8001:online', 'api:2@8002:online', 'api:3@8003:online'])
    expect(s.store.listApps()[0]?.spec.instances).toBe(4)
    expect(s.spawner.procs).toHaveLength(4)
  })

  it('scales down by stopping the highest instances, deleting their rows and freeing their ports', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 4 }, true)
    const v = await s.sup.scaleApp('api', '1')
    expect(v.workers.map((w) => w.instance)).toEqual([0])
    expect(s.spawner.procs.slice(1).every((p) => p.hasExited && p.signals[0] === 'SIGTERM')).toBe(true)
    expect(s.spawner.procs[0]?.hasExited).toBe(false)
    expect(rows(s)).toEqual(['api:0@8000:online'])
    const web = await s.sup.createApp({ ...API, name: 'web', script: '/srv/web/server.js', instances: 3 }, true)
    expect(web.workers.map((w) => w.port)).toEqual([8001, 8002, 8003])
  })

  it('scaling a stopped app up stores the workers but does not start them', async () => {
    const s = createSup()
    await s.sup.createApp(API, true)
    await s.sup.stopApp('api')
    const v = await s.sup.scaleApp('api', 2)
    expect(v.workers.map((w) => w.state)).toEqual(['stopped', 'stopped'])
    expect(s.spawner.procs).toHaveLength(1)
  })

  it('scaling past the range fails with SUP_ERR_PORT_EXHAUSTED and changes nothing', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, portRange: '8000-8001' }, true)
    await expect(s.sup.scaleApp('api', 3)).rejects.toMatchObject({ code: 'SUP_ERR_PORT_EXHAUSTED' })
    expect(rows(s)).toEqual(['api:0@8000:online'])
    expect(s.store.listApps()[0]?.spec.instances).toBe(1)
  })

  it.each<[number | string, string]>([[0, 'SUP_ERR_INVALID_SPEC'], [-1, 'SUP_ERR_INVALID_SPEC'], ['x', 'SUP_ERR_INVALID_SPEC'], [1001, 'SUP_ERR_INVALID_SPEC']])(
    'scale to %j → %s', async (n, code) => {
      const s = createSup()
      await s.sup.createApp(API, true)
      await expect(s.sup.scaleApp('api', n)).rejects.toMatchObject({ code })
      expect(rows(s)).toEqual(['api:0@8000:online'])
    })

  it('--port-range widens the range first: more workers on the new ports, none of the running ones moved or restarted', async () => {
    const s = createSup()
    const before = await s.sup.createApp({ ...API, instances: 2, portRange: '8000-8001' }, true)
    const v = await s.sup.scaleApp('api', 4, '8000-8003')
    expect(v.workers.map((w) => [w.port, w.state])).toEqual([[8000, 'online'], [8001, 'online'], [8002, 'online'], [8003, 'online']])
    expect(v.workers.slice(0, 2).map((w) => w.pid)).toEqual(before.workers.map((w) => w.pid))
    expect(s.spawner.procs).toHaveLength(4)
    expect(s.store.listApps()[0]?.spec.portRange).toEqual({ from: 8000, to: 8003 })
    expect(s.sup.events({ app: 'api', limit: 10 }).map((e) => e.reason)).toEqual(expect.arrayContaining(['port range 8000-8001 -> 8000-8003', 'scaled from 2 to 4']))
  })

  it('a --port-range that leaves out a staying worker\'s port, or is no range, is refused and changes nothing', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2, portRange: '8000-8001' }, true)
    await expect(s.sup.scaleApp('api', 2, '8001-8005')).rejects.toMatchObject({ code: 'SUP_ERR_INVALID_SPEC', message: expect.stringContaining('leaves out 8000 (worker 0)') })
    await expect(s.sup.scaleApp('api', 2, 'lots')).rejects.toMatchObject({ code: 'SUP_ERR_INVALID_SPEC' })
    // worker 1 goes: its port may be left out
    expect((await s.sup.scaleApp('api', 1, '8000-8000')).spec.portRange).toEqual({ from: 8000, to: 8000 })
    expect(rows(s)).toEqual(['api:0@8000:online'])
  })

  it('a --port-range still too small for the count: SUP_ERR_PORT_EXHAUSTED, the old range kept', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2, portRange: '8000-8001' }, true)
    await expect(s.sup.scaleApp('api', 4, '8000-8002')).rejects.toMatchObject({ code: 'SUP_ERR_PORT_EXHAUSTED' })
    expect(s.store.listApps()[0]?.spec).toMatchObject({ instances: 2, portRange: { from: 8000, to: 8001 } })
    expect(s.sup.getApp('api').spec.portRange).toEqual({ from: 8000, to: 8001 })
    expect(rows(s)).toEqual(['api:0@8000:online', 'api:1@8001:online'])
  })

  it('scaling an unknown app → SUP_ERR_APP_NOT_FOUND', async () => {
    const s = createSup()
    await expect(s.sup.scaleApp('nope', 2)).rejects.toMatchObject({ code: 'SUP_ERR_APP_NOT_FOUND', statusCode: 404 })
  })
})

describe('stop, start, restart, delete', () => {
  it('stopApp stores desired=stopped and resolves once every worker has exited; startApp brings them back on their ports', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2 }, true)
    const stopped = await s.sup.stopApp('api')
    expect(stopped.desired).toBe('stopped')
    expect(stopped.workers.map((w) => [w.state, w.pid])).toEqual([['stopped', null], ['stopped', null]])
    expect(s.spawner.procs.every((p) => p.hasExited)).toBe(true)
    expect(s.store.listApps()[0]?.desired).toBe('stopped')
    const started = await s.sup.startApp('api')
    expect(started.workers.map((w) => [w.state, w.port])).toEqual([['online', 8000], ['online', 8001]])
    expect(s.store.listApps()[0]?.desired).toBe('running')
  })

  it('restartApp retries an errored worker at once, without waiting retryIn', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, maxRestarts: 0 }, true)
    s.spawner.last().exit({ code: 1 })
    await flush()
    expect(s.sup.getApp('api').workers[0]?.state).toBe('errored')
    const v = await s.sup.restartApp('api')
    expect(v.workers[0]?.state).toBe('online')
    expect(s.spawner.procs).toHaveLength(2)
  })

  it('restartApp replaces every running process and keeps each port', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2 }, true)
    const v = await s.sup.restartApp('api')
    expect(s.spawner.procs).toHaveLength(4)
    expect(s.spawner.procs.slice(0, 2).every((p) => p.hasExited)).toBe(true)
    expect(v.workers.map((w) => [w.state, w.port])).toEqual([['online', 8000], ['online', 8001]])
  })

  it('deleteApp stops the workers, removes app and worker rows, frees the ports and keeps the events', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2 }, true)
    expect(await s.sup.deleteApp('api')).toBe('api')
    expect(s.spawner.procs.every((p) => p.hasExited)).toBe(true)
    expect(s.store.listApps()).toEqual([])
    expect(s.store.listWorkers()).toEqual([])
    expect(s.sup.listApps()).toEqual([])
    expect(s.sup.events({ app: 'api', limit: 100 }).map((e) => e.type)).toContain('delete')
    const again = await s.sup.createApp(API, true)
    expect(again.workers[0]?.port).toBe(8000)
  })

  it.each(['stopApp', 'startApp', 'restartApp', 'deleteApp'] as const)('%s of an unknown app → SUP_ERR_APP_NOT_FOUND', async (op) => {
    const s = createSup()
    await expect(s.sup[op]('nope')).rejects.toMatchObject({ code: 'SUP_ERR_APP_NOT_FOUND' })
  })
})

describe('boot', () => {
  it('restarts workers that died while no daemon ran (counted as restarts) on their stored ports; stopped apps stay stopped', async () => {
    const s = createSup({ strays: 2 })
    const api = makeSpec({ instances: 2 })
    const web = makeSpec({ name: 'web', script: '/srv/web/server.js' })
    const worker = (app: string, instance: number, port: number) =>
      ({ app, instance, port, marker: 'old', pidStartTime: 5, startedAt: 1, snapshot: { ...initialSnapshot(), state: 'online' as const, pid: 4242 + instance, restarts: 3 } })
    s.store.createApp({ name: 'api', spec: api, desired: 'running', createdAt: 1 }, [worker('api', 0, 8003), worker('api', 1, 8001)])
    s.store.createApp({ name: 'web', spec: web, desired: 'stopped', createdAt: 1 }, [worker('web', 0, 8000)])
    await s.sup.boot()
    await flush()
    expect(s.reapCalls()).toBe(1)
    expect(s.spawner.procs.map((p) => `${p.spec.app}:${p.spec.env.SUP_INSTANCE}@${p.spec.env.PORT}`)).toEqual(['api:0@8003', 'api:1@8001'])
    expect(rows(s)).toEqual(['api:0@8003:online', 'api:1@8001:online', 'web:0@8000:stopped'])
    // It died while no daemon watched: an exit like any other, so the restart count goes up, never down
    expect(s.store.worker('web', 0)).toMatchObject({ snapshot: { pid: null, restarts: 4 }, marker: null, pidStartTime: null })
    expect(s.sup.events({ app: 'api', limit: 10 }).find((e) => e.type === 'restore')?.reason).toContain('2 stray process(es) stopped')
  })

  it('adopts a worker still running from an earlier life (pid + start time + marker): no spawn, same pid, port and count', async () => {
    const s = createSup({ alive: [{ pid: 4242, marker: 'sup-test:api:0:x', startTime: 77 }, { pid: 4243, marker: 'sup-test:api:1:y', startTime: 1 }] })
    const api = makeSpec({ instances: 2 })
    const w0 = { app: 'api', instance: 0, port: 8003, marker: 'sup-test:api:0:x', pidStartTime: 77, startedAt: 1, snapshot: { ...initialSnapshot(), state: 'online' as const, pid: 4242, restarts: 3 } }
    // Same pid and marker but another start time: a recycled pid, never adopted
    const w1 = { app: 'api', instance: 1, port: 8001, marker: 'sup-test:api:1:y', pidStartTime: 2, startedAt: 1, snapshot: { ...initialSnapshot(), state: 'online' as const, pid: 4243, restarts: 0 } }
    s.store.createApp({ name: 'api', spec: api, desired: 'running', createdAt: 1 }, [w0, w1])
    await s.sup.boot()
    await flush()
    expect(s.keptMarkers()).toEqual(['sup-test:api:0:x'])
    expect(s.spawner.adopted.map((p) => p.pid)).toEqual([4242])
    expect(s.spawner.procs.map((p) => `${p.spec.env.SUP_INSTANCE}@${p.spec.env.PORT}`)).toEqual(['1@8001'])
    expect(s.sup.getApp('api').workers.map((w) => [w.pid, w.port, w.state, w.restarts])).toEqual([[4242, 8003, 'online', 3], [s.spawner.procs[0]?.pid, 8001, 'online', 1]])
  })

  it('keeps an errored worker errored (same count, no spawn) and an exited one exited: a daemon restart is no `sup restart`', async () => {
    const s = createSup()
    const api = makeSpec({ instances: 2, retryIn: '10m' })
    const w = (instance: number, state: 'errored' | 'exited') =>
      ({ app: 'api', instance, port: 8000 + instance, marker: null, pidStartTime: null, startedAt: null, snapshot: { ...initialSnapshot(), state, restarts: 6, restartTimes: [1, 2, 3, 4, 5, 6] } })
    s.store.createApp({ name: 'api', spec: api, desired: 'running', createdAt: 1 }, [w(0, 'errored'), w(1, 'exited')])
    await s.sup.boot()
    await flush()
    s.clock.advance(60_000)
    await flush()
    expect(s.spawner.procs).toHaveLength(0)
    expect(s.sup.getApp('api').workers.map((x) => [x.state, x.restarts])).toEqual([['errored', 6], ['exited', 6]])
    s.clock.advance(9 * 60_000) // retryIn elapsed since boot: the errored one is tried again, the exited one is not
    await flush()
    expect(s.spawner.procs.map((p) => p.spec.env.SUP_INSTANCE)).toEqual(['0'])
  })

  it('finishes a stop that was in flight with the full grace period, then starts it again when the app should run', async () => {
    // A worker that ignores SIGTERM: only the kill timeout's SIGKILL ends it
    const s = createSup({ exitOn: [], alive: [{ pid: 4242, marker: 'sup-test:api:0:x', startTime: 77 }] })
    const api = makeSpec({ instances: 1, killTimeout: '3s' })
    const w0 = { app: 'api', instance: 0, port: 8003, marker: 'sup-test:api:0:x', pidStartTime: 77, startedAt: 1, snapshot: { ...initialSnapshot(), state: 'stopping' as const, pid: 4242 } }
    s.store.createApp({ name: 'api', spec: api, desired: 'running', createdAt: 1 }, [w0])
    await s.sup.boot()
    await flush()
    const adopted = s.spawner.adopted[0]
    expect(adopted?.signals).toEqual(['SIGTERM'])
    s.clock.advance(2_999)
    expect(adopted?.signals).toEqual(['SIGTERM'])
    s.clock.advance(1)
    await flush()
    expect(adopted?.signals.slice(0, 2)).toEqual(['SIGTERM', 'SIGKILL'])
    expect(adopted?.hasExited).toBe(true)
    await flush()
    expect(s.spawner.procs).toHaveLength(1)
    expect(s.sup.getApp('api').workers[0]?.state).toBe('online')
  })
})
