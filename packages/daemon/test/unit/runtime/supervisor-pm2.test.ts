// Issue 12 in the supervisor: --no-port workers, applying a changed definition, one instance at a time, runnable checks.
import { describe, expect, it } from 'vitest'
import type { AppSpecInput } from '../../../src/core/app-spec.ts'
import { checkRunnable } from '../../../src/runtime/runnable.ts'
import { createSup, flush, makeSpec, rejection } from './harness.ts'

const API: AppSpecInput & { name: string } = { name: 'api', script: '/srv/api/server.js', portRange: '8000-8004', env: { GREETING: 'hi' }, shellEnv: { DATABASE_URL: 'x' } }
/** Drives the fake clock until `p` settles (bounded): a rollout waits on drain timers. */
async function settle<T> (s: ReturnType<typeof createSup>, p: Promise<T>): Promise<T> {
  let done = false
  void p.then(() => { done = true }, () => { done = true })
  for (let i = 0; i < 200 && !done; i++) { await flush(); s.clock.advance(100) }
  return p
}

const QUEUE: AppSpecInput = { name: 'queue', script: '/srv/api/server.js', port: false, readyAfter: '1s', instances: 2 }

describe('--no-port workers', () => {
  it('are online once they stayed up readyAfter, claim no port and get no PORT', async () => {
    const s = createSup({ acceptAll: false })
    const created = s.sup.createApp(QUEUE, true)
    await flush()
    s.clock.advance(999)
    await flush()
    expect(s.sup.getApp('queue').workers.map((w) => w.state)).toEqual(['starting', 'starting'])
    s.clock.advance(1)
    const v = await created
    expect(v.workers.map((w) => [w.state, w.port])).toEqual([['online', null], ['online', null]])
    expect(s.spawner.procs.map((p) => p.spec.env.PORT)).toEqual([undefined, undefined])
    expect(s.sup.servingPorts('queue')).toEqual([])
  })

  it('one that exits before readyAfter is not online', async () => {
    const s = createSup({ acceptAll: false })
    const created = s.sup.createApp({ ...QUEUE, instances: 1, restart: 'never' }, true)
    await flush()
    s.clock.advance(500)
    s.spawner.procs[0]?.exit({ code: 1 })
    const v = await created
    expect(v.workers[0]?.state).toBe('exited')
  })
})

describe('applyApp', () => {
  it('an unchanged definition touches nothing; a changed env rolls new workers; the stored shell env stays', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2 }, true)
    const spawned = s.spawner.procs.length
    await s.sup.applyApp({ ...API, instances: 2 })
    expect(s.spawner.procs.length).toBe(spawned)

    await settle(s, s.sup.applyApp({ ...API, instances: 2, env: { GREETING: 'howdy' }, shellEnv: undefined }))
    const live = s.sup.getApp('api').workers.map((w) => w.pid)
    const newest = s.spawner.procs.filter((p) => live.includes(p.pid ?? -1))
    expect(newest.map((p) => [p.spec.env.GREETING, p.spec.env.DATABASE_URL])).toEqual([['howdy', 'x'], ['howdy', 'x']])
    expect(s.sup.specOf('api')?.shellEnv).toEqual({ DATABASE_URL: 'x' })
  })

  it('a changed instance count only scales; an unknown app is created', async () => {
    const s = createSup()
    await s.sup.createApp(API, true)
    const spawned = s.spawner.procs.length
    const v = await s.sup.applyApp({ ...API, instances: 3 })
    expect(v.workers.map((w) => w.state)).toEqual(['online', 'online', 'online'])
    expect(s.spawner.procs.length).toBe(spawned + 2)
    expect((await s.sup.applyApp({ ...API, name: 'web', script: '/srv/web/server.js' })).name).toBe('web')
  })

  it('refuses a bad definition and keeps the running one', async () => {
    const s = createSup()
    await s.sup.createApp(API, true)
    expect((await rejection(s.sup.applyApp({ ...API, env: { PORT: '1' } }))).code).toBe('SUP_ERR_INVALID_SPEC')
    expect(s.sup.specOf('api')?.env).toEqual({ GREETING: 'hi' })
  })
})

describe('one instance', () => {
  it('stop, restart and --update-env on restart', async () => {
    const s = createSup()
    await s.sup.createApp({ ...API, instances: 2 }, true)
    expect((await s.sup.stopInstance('api', 1)).workers.map((w) => w.state)).toEqual(['online', 'stopped'])
    const pid = s.sup.getApp('api').workers[0]?.pid
    const v = await s.sup.restartInstance('api', 0)
    expect(v.workers[0]?.state).toBe('online')
    expect(v.workers[0]?.pid).not.toBe(pid)
    expect((await rejection(s.sup.stopInstance('api', 7))).message).toBe('api has no instance 7')
    await s.sup.restartApp('api', { DATABASE_URL: 'y' })
    expect(s.spawner.procs.at(-1)?.spec.env.DATABASE_URL).toBe('y')
    expect(s.store.listApps()[0]?.spec.shellEnv).toEqual({ DATABASE_URL: 'y' })
  })
})

describe('checkRunnable', () => {
  const fs = (files: string[], exec: string[]) => ({ isFile: async (p: string) => files.includes(p), isExecutable: async (p: string) => exec.includes(p) })

  it('refuses a script without the execute bit unless node or an interpreter runs it', async () => {
    await expect(checkRunnable(makeSpec({ script: '/srv/run.sh' }), fs(['/srv/run.sh'], []))).rejects.toMatchObject({ code: 'SUP_ERR_NOT_EXECUTABLE', statusCode: 400 })
    await expect(checkRunnable(makeSpec({ script: '/srv/run.sh' }), fs(['/srv/run.sh'], ['/srv/run.sh']))).resolves.toBeUndefined()
    await expect(checkRunnable(makeSpec({ script: '/srv/a.js' }), fs(['/srv/a.js'], []))).resolves.toBeUndefined()
    await expect(checkRunnable(makeSpec({ script: '/srv/a.py', interpreter: '/usr/bin/python3' }), fs(['/srv/a.py', '/usr/bin/python3'], ['/usr/bin/python3']))).resolves.toBeUndefined()
  })

  it('a TypeScript script: node runs it where node strips types; elsewhere it must be executable, or the refusal says why', async () => {
    const ts = makeSpec({ script: '/srv/app.ts' })
    await expect(checkRunnable(ts, fs(['/srv/app.ts'], []), true)).resolves.toBeUndefined()
    await expect(checkRunnable(ts, fs(['/srv/app.ts'], ['/srv/app.ts']), false)).resolves.toBeUndefined()
    const refused = await rejection(checkRunnable(ts, fs(['/srv/app.ts'], []), false))
    expect(refused).toMatchObject({ code: 'SUP_ERR_NOT_EXECUTABLE' })
    expect(String((refused as Error).message)).toMatch(/is TypeScript, which node v\d+\.\d+\.\d+ does not run \(Node 22\.18\+ does: run `sup start` with it, or give --interpreter tsx\)/)
  })

  it('refuses a missing interpreter and a missing script', async () => {
    await expect(checkRunnable(makeSpec({ script: '/srv/a.py', interpreter: '/usr/bin/nope' }), fs(['/srv/a.py'], []))).rejects.toMatchObject({ code: 'SUP_ERR_NOT_EXECUTABLE' })
    await expect(checkRunnable(makeSpec({ script: '/srv/gone.sh' }), fs([], []))).rejects.toMatchObject({ code: 'SUP_ERR_SCRIPT_NOT_FOUND' })
  })
})
