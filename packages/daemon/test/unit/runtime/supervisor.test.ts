// Supervisor.createApp: validation before anything is stored, ports for every instance, clear conflicts.
import { describe, expect, it } from 'vitest'
import type { AppSpecInput } from '../../../src/core/app-spec.ts'
import { createSup, flush, rejection } from './harness.ts'

const API: AppSpecInput = { name: 'api', script: '/srv/api/server.js', portRange: '8000-8004', env: { SECRET: 'hunter2' } }

describe('createApp refuses bad input and stores nothing', () => {
  it.each<[string, Partial<AppSpecInput>, string]>([
    ['instances 0', { instances: 0 }, 'SUP_ERR_INVALID_SPEC'],
    ['instances -1', { instances: -1 }, 'SUP_ERR_INVALID_SPEC'],
    ["instances 'x'", { instances: 'x' }, 'SUP_ERR_INVALID_SPEC'],
    ["portRange '70000'", { portRange: '70000' }, 'SUP_ERR_INVALID_SPEC'],
    ["portRange '80-90'", { portRange: '80-90' }, 'SUP_ERR_INVALID_SPEC'],
    ["portRange '9000-8000'", { portRange: '9000-8000' }, 'SUP_ERR_INVALID_SPEC'],
    ['restartDelay -5', { restartDelay: -5 }, 'SUP_ERR_INVALID_SPEC'],
    ["restartDelay '-5'", { restartDelay: '-5' }, 'SUP_ERR_INVALID_SPEC'],
    ["name 'all'", { name: 'all' }, 'SUP_ERR_INVALID_SPEC'],
    ['a script that is not a file', { script: '/srv/missing.js' }, 'SUP_ERR_SCRIPT_NOT_FOUND']
  ])('%s → %s', async (_what, patch, code) => {
    const s = createSup()
    await expect(s.sup.createApp({ ...API, ...patch }, true)).rejects.toMatchObject({ code })
    expect(s.store.listApps()).toEqual([])
    expect(s.store.listWorkers()).toEqual([])
    expect(s.spawner.procs).toEqual([])
    expect(s.sup.listApps()).toEqual([])
  })

  it('an exhausted range → SUP_ERR_PORT_EXHAUSTED naming the holder of each port; nothing of the new app is stored', async () => {
    const s = createSup({ busy: [8001] })
    await s.sup.createApp({ name: 'web', script: '/srv/web/server.js', portRange: '8000-8001' }, true)
    const webPid = s.spawner.last().pid
    const err = await rejection(s.sup.createApp({ ...API, portRange: '8000-8001' }, true))
    expect(err).toMatchObject({ code: 'SUP_ERR_PORT_EXHAUSTED' })
    expect(err.message).toContain(`8000 held by web:0 (pid ${webPid})`)
    expect(err.message).toContain('8001 in use by a process outside sup')
    expect(s.store.listApps().map((a) => a.name)).toEqual(['web'])
    expect(s.store.listWorkers().map((w) => `${w.app}:${w.instance}`)).toEqual(['web:0'])
    expect(() => s.sup.getApp('api')).toThrow(expect.objectContaining({ code: 'SUP_ERR_APP_NOT_FOUND' }))
  })

  it('a range too small for the instances asked → SUP_ERR_PORT_EXHAUSTED, and the range is still free afterwards', async () => {
    const s = createSup()
    await expect(s.sup.createApp({ ...API, portRange: '8000-8001', instances: 3 }, true)).rejects.toMatchObject({ code: 'SUP_ERR_PORT_EXHAUSTED', message: expect.stringContaining('no room for 3 more') })
    expect(s.store.listWorkers()).toEqual([])
    const v = await s.sup.createApp({ ...API, portRange: '8000-8001', instances: 2 }, true)
    expect(v.workers.map((w) => w.port)).toEqual([8000, 8001])
  })

  it('a store that cannot write → its error; no port stays claimed and nothing runs', async () => {
    const s = createSup()
    const createApp = s.store.createApp
    s.store.createApp = () => { throw Object.assign(new Error('disk full'), { code: 'SUP_ERR_STATE_WRITE' }) }
    await expect(s.sup.createApp({ ...API, instances: 2 }, true)).rejects.toMatchObject({ code: 'SUP_ERR_STATE_WRITE' })
    expect(s.spawner.procs).toEqual([])
    expect(() => s.sup.getApp('api')).toThrow(expect.objectContaining({ code: 'SUP_ERR_APP_NOT_FOUND' }))
    s.store.createApp = createApp
    const v = await s.sup.createApp({ ...API, instances: 2 }, true)
    expect(v.workers.map((w) => w.port)).toEqual([8000, 8001])
  })

  it('a duplicate name → SUP_ERR_APP_EXISTS, and the first app is untouched', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2 }, true)
    await expect(s.sup.createApp({ ...API, instances: 5, portRange: '9000-9010' }, true)).rejects.toMatchObject({ code: 'SUP_ERR_APP_EXISTS', statusCode: 409 })
    expect(s.store.listApps()).toHaveLength(1)
    expect(s.store.listApps()[0]?.spec).toMatchObject({ instances: 2, portRange: { from: 8000, to: 8004 } })
    expect(s.spawner.procs).toHaveLength(2)
  })

  it('two concurrent creates of one name: one wins, one gets SUP_ERR_APP_EXISTS', async () => {
    const s = createSup()
    const results = await Promise.allSettled([s.sup.createApp(API, true), s.sup.createApp(API, true)])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'SUP_ERR_APP_EXISTS' } })
    expect(s.store.listWorkers()).toHaveLength(1)
  })
})

describe('createApp runs the app', () => {
  it('starts every instance on its own port, online, and stores app and workers', async () => {
    const s = createSup()
    const v = await s.sup.createApp({ ...API, instances: 3 }, true)
    expect(v.workers.map((w) => [w.instance, w.port, w.state])).toEqual([[0, 8000, 'online'], [1, 8001, 'online'], [2, 8002, 'online']])
    expect(s.spawner.procs.map((p) => [p.spec.env.SUP_INSTANCE, p.spec.env.PORT])).toEqual([['0', '8000'], ['1', '8001'], ['2', '8002']])
    expect(s.store.listApps()).toMatchObject([{ name: 'api', desired: 'running', spec: { instances: 3 } }])
    expect(s.store.listWorkers().map((w) => [w.instance, w.port, w.snapshot.state])).toEqual([[0, 8000, 'online'], [1, 8001, 'online'], [2, 8002, 'online']])
    expect(JSON.stringify(v)).not.toContain('hunter2')
  })

  it('two apps sharing a range never share a port, and ports outside sup are skipped', async () => {
    const s = createSup({ busy: [8001] })
    const a = await s.sup.createApp({ ...API, instances: 2 }, true)
    const b = await s.sup.createApp({ ...API, name: 'web', script: '/srv/web/server.js', instances: 2 }, true)
    expect(a.workers.map((w) => w.port)).toEqual([8000, 8002])
    expect(b.workers.map((w) => w.port)).toEqual([8003, 8004])
  })

  it('with wait, answers once workers have left starting; a worker never ready is reported failed, not online', async () => {
    const s = createSup({ acceptAll: false })
    const created = s.sup.createApp({ ...API, listenTimeout: '1s', restart: 'never' }, true)
    await flush()
    s.clock.advance(1_000)
    const v = await created
    expect(v.workers[0]?.state).toBe('exited')
  })

  it('records an app event and publishes the workers\' events to listeners', async () => {
    const s = createSup()
    const seen: string[] = []
    s.sup.onEvent((e) => { seen.push(`${e.type}:${e.instance ?? '-'}`) })
    await s.sup.createApp(API, true)
    expect(seen).toEqual(['create:-', 'starting:0', 'online:0'])
    expect(s.sup.events({ app: 'api', limit: 10 }).map((e) => e.type)).toEqual(['create', 'starting', 'online'])
  })
})
