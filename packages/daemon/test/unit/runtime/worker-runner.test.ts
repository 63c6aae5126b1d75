// WorkerRunner: one worker driven through FakeClock, FakeSpawner and a fake port probe — start, ready, crash, backoff, flapping.
import { describe, expect, it } from 'vitest'
import { createRunner, flush } from './harness.ts'

type Runner = ReturnType<typeof createRunner>

/** Crashes the current process and returns the backoff delay the runner chose (undefined when it did not back off). */
async function crash (w: Runner, exit: { code?: number; signal?: string } = { code: 1 }): Promise<number | undefined> {
  w.spawner.last().exit(exit)
  await flush()
  const last = w.events.at(-1)
  return last?.to === 'backoff' ? last.data?.delayMs as number : undefined
}

/** Waits out a backoff delay, checking nothing is spawned 1 ms early. */
async function waitDelay (w: Runner, delayMs: number): Promise<void> {
  const before = w.spawner.procs.length
  if (delayMs > 0) {
    w.clock.advance(delayMs - 1)
    await flush()
    expect(w.spawner.procs).toHaveLength(before)
  }
  w.clock.advance(delayMs > 0 ? 1 : 0)
  await flush()
  expect(w.spawner.procs).toHaveLength(before + 1)
}

describe('starting a worker', () => {
  it('spawns one process with PORT, SUP_APP, SUP_INSTANCE, NODE_APP_INSTANCE, SUP_HOME and the app env, and records it', async () => {
    const w = createRunner()
    w.runner.start('test')
    w.runner.start('again')
    await flush()
    expect(w.spawner.procs).toHaveLength(1)
    const p = w.spawner.last()
    expect(p.spec.env).toMatchObject({ PORT: '8000', SUP_APP: 'api', SUP_INSTANCE: '0', NODE_APP_INSTANCE: '0', GREETING: 'hi', PATH: '/usr/bin' })
    expect(p.spec.env.SUP_HOME).toBe('/home/u/.sup') // the daemon's home, from the base: a `sup` the app runs reaches it
    expect(p.spec).toMatchObject({ args: ['/srv/api/server.js'], cwd: '/srv/api', stdoutPath: '/sup/logs/.pipes/api-0.out', stderrPath: '/sup/logs/.pipes/api-0.err' })
    expect(p.spec.marker).toMatch(/^sup-test:api:0:/)
    expect(w.runner.record()).toMatchObject({ port: 8000, marker: p.spec.marker, pidStartTime: p.pid! * 10, snapshot: { state: 'online', pid: p.pid } })
  })

  it('is online only once its port accepts a connection', async () => {
    const w = createRunner({ acceptAll: false })
    w.runner.start('test')
    await flush()
    expect(w.state()).toBe('starting')
    w.probe.accept(8000)
    await flush()
    expect(w.state()).toBe('online')
    expect(w.path()).toEqual(['stopped>starting', 'starting>online'])
  })

  it("with --wait-ready, is online on process.send('ready'), not when the port accepts", async () => {
    const w = createRunner({ acceptAll: true, spec: { waitReady: true } })
    w.runner.start('test')
    await flush()
    expect(w.spawner.last().spec.ipc).toBe(true)
    w.spawner.last().send('hello')
    expect(w.state()).toBe('starting')
    w.spawner.last().send('ready')
    expect(w.state()).toBe('online')
  })

  it('a worker never ready fails its start exactly at listenTimeout: SIGKILLed, counted as a restart, started again', async () => {
    const w = createRunner({ acceptAll: false })
    w.runner.start('test')
    await flush()
    const p = w.spawner.last()
    w.clock.advance(7_999)
    await flush()
    expect(w.path()).toEqual(['stopped>starting'])
    expect(p.signals).toEqual([])
    w.clock.advance(1)
    expect(w.path()).toEqual(['stopped>starting', 'starting>backoff', 'backoff>starting'])
    expect(w.events[1]).toMatchObject({ reason: expect.stringContaining('not ready within 8000 ms'), data: { delayMs: 0 } })
    expect(p.signals).toEqual(['SIGKILL'])
    await flush()
    expect(w.spawner.procs).toHaveLength(2)
    expect(w.state()).toBe('starting')
    expect(w.runner.record().snapshot.restarts).toBe(1)
  })

  it('a readiness that arrives after the listen timeout is ignored', async () => {
    const w = createRunner({ acceptAll: false, spec: { restart: 'never' } })
    w.runner.start('test')
    await flush()
    w.clock.advance(8_000)
    expect(w.state()).toBe('exited')
    w.probe.accept(8000)
    await flush()
    expect(w.state()).toBe('exited')
    expect(w.path()).not.toContain('starting>online')
  })

  it('a worker that is never ready is never online and ends errored after maxRestarts failed starts', async () => {
    const w = createRunner({ acceptAll: false, spec: { maxRestarts: 2 } })
    w.runner.start('test')
    await flush()
    for (let i = 0; i < 3; i++) {
      w.clock.advance(8_000)
      await flush()
      if (w.state() === 'backoff') { w.clock.advance(1_000); await flush() }
    }
    expect(w.state()).toBe('errored')
    expect(w.spawner.procs).toHaveLength(3)
    expect(w.spawner.procs.every((p) => p.signals.includes('SIGKILL'))).toBe(true)
    expect(w.path()).not.toContain('starting>online')
  })

  it('a spawn that fails (no pid) backs off with the reason and is retried', async () => {
    const w = createRunner()
    w.spawner.failNext('spawn /usr/bin/node EACCES')
    w.runner.start('test')
    await flush()
    expect(w.state()).toBe('backoff')
    expect(w.events.at(-1)?.reason).toContain('spawn failed: spawn /usr/bin/node EACCES')
    await waitDelay(w, 0)
    expect(w.state()).toBe('online')
  })
})

describe('crashes and restarts', () => {
  it('a SIGKILLed online worker backs off recording the signal, then restarts at once on the same port', async () => {
    const w = createRunner()
    w.runner.start('test')
    await flush()
    expect(await crash(w, { signal: 'SIGKILL' })).toBe(0)
    expect(w.events.at(-1)).toMatchObject({ type: 'backoff', from: 'online', to: 'backoff', reason: expect.stringContaining('killed by SIGKILL'), data: { code: null, signal: 'SIGKILL', delayMs: 0 } })
    await waitDelay(w, 0)
    expect(w.spawner.last().spec.env.PORT).toBe('8000')
    expect(w.state()).toBe('online')
    expect(w.runner.record().snapshot).toMatchObject({ restarts: 1, lastExit: { code: null, signal: 'SIGKILL' } })
  })

  it('a restarted worker whose port was taken meanwhile moves to the next free port and releases the old one', async () => {
    const w = createRunner()
    w.runner.start('test')
    await flush()
    await crash(w)
    w.probe.busy.add(8000)
    await waitDelay(w, 0)
    expect(w.spawner.last().spec.env.PORT).toBe('8001')
    expect(w.runner.record().port).toBe(8001)
    w.probe.busy.delete(8000)
    expect(await w.broker.claim({ from: 8000, to: 8001 }, ['other:0'])).toEqual([8000])
  })

  it('a crash loop backs off 0, 100, 200, 400 ms, then is errored, with no spawn until retryIn has elapsed', async () => {
    const w = createRunner({ spec: { maxRestarts: 4, retryIn: '5m' } })
    w.runner.start('test')
    await flush()
    const delays: number[] = []
    for (let i = 0; i < 4; i++) {
      const d = await crash(w)
      delays.push(d!)
      await waitDelay(w, d!)
    }
    expect(delays).toEqual([0, 100, 200, 400])
    expect(await crash(w)).toBeUndefined()
    expect(w.state()).toBe('errored')
    expect(w.events.at(-1)).toMatchObject({ to: 'errored', data: { retryInMs: 300_000 } })
    w.clock.advance(300_000 - 1)
    await flush()
    expect(w.spawner.procs).toHaveLength(5)
    w.clock.advance(1)
    await flush()
    expect(w.spawner.procs).toHaveLength(6)
    expect(w.state()).toBe('online')
    expect(await crash(w)).toBe(0)
  })

  it.each([
    ['stays online for minUptime', 10_000, 0],
    ['crashes 1 ms before minUptime', 9_999, 200]
  ])('after two quick crashes, a worker that %s restarts after %i ms', async (_what, uptime, expected) => {
    const w = createRunner({ spec: { minUptime: '10s' } })
    w.runner.start('test')
    await flush()
    await waitDelay(w, (await crash(w))!)
    await waitDelay(w, (await crash(w))!)
    w.clock.advance(uptime)
    expect(await crash(w)).toBe(expected)
  })

  it.each([
    ['never', 1, 'exited', 1],
    ['never', 0, 'exited', 1],
    ['on-failure', 0, 'exited', 1],
    ['on-failure', 1, 'online', 2],
    ['always', 0, 'online', 2]
  ])('restart %s + exit code %i → %s (%i spawn(s) after a minute)', async (restart, code, expected, spawns) => {
    const w = createRunner({ spec: { restart } })
    w.runner.start('test')
    await flush()
    await crash(w, { code })
    w.clock.advance(60_000)
    await flush()
    expect(w.state()).toBe(expected)
    expect(w.spawner.procs).toHaveLength(spawns)
  })
})

describe('what is persisted', () => {
  it('the stored worker equals the live one after every step, and names no dead process', async () => {
    const w = createRunner()
    const synced = (state: string): void => {
      expect(w.state()).toBe(state)
      expect(w.store.worker('api', 0)).toEqual(w.runner.record())
    }
    w.runner.start('test')
    await flush()
    synced('online')
    expect(w.store.worker('api', 0)).toMatchObject({ pidStartTime: 10_010, startedAt: 1_700_000_000_000 })
    await crash(w)
    synced('backoff')
    expect(w.store.worker('api', 0)).toMatchObject({ snapshot: { pid: null }, pidStartTime: null, startedAt: null })
    await waitDelay(w, 0)
    synced('online')
    const stopped = w.runner.stop('test')
    synced('stopping')
    w.spawner.last().exit({ signal: 'SIGTERM' })
    await stopped
    synced('stopped')
    expect(w.store.worker('api', 0)).toMatchObject({ port: 8000, pidStartTime: null, startedAt: null, snapshot: { pid: null, restarts: 1 } })
  })

  it('writes the worker before each state change is announced and before each process is spawned', async () => {
    const w = createRunner()
    w.runner.start('test')
    await flush()
    await crash(w)
    await waitDelay(w, 0)
    const stopped = w.runner.stop('test')
    w.spawner.last().exit({ signal: 'SIGTERM' })
    await stopped
    const j = w.store.journal
    const announced = j.flatMap((e, i) => e.op === 'addEvent' ? [{ to: e.event.to, i }] : [])
    expect(announced.map((a) => a.to)).toEqual(['starting', 'online', 'backoff', 'starting', 'online', 'stopping', 'stopped'])
    for (const { to, i } of announced) {
      const prev = j[i - 1]
      expect(prev?.op === 'saveWorker' && prev.worker.snapshot.state).toBe(to)
    }
    // The marker is on disk before the process exists, so a daemon killed right after the spawn can find it.
    const saves = j.flatMap((e) => e.op === 'saveWorker' ? [e.worker] : [])
    for (const p of w.spawner.procs) {
      const first = saves.findIndex((s) => s.snapshot.pid === p.pid)
      expect(saves[first - 1]).toMatchObject({ marker: p.spec.marker, snapshot: { state: 'starting', pid: null } })
    }
  })
})

describe('retryAt (sup list: "backoff (retry in 3s)")', () => {
  it('is when the backoff retry is due, and gone once the worker started again or stopped', async () => {
    const w = createRunner()
    w.runner.start('test')
    await flush()
    expect(w.runner.retryAt()).toBeNull()
    await waitDelay(w, (await crash(w)) ?? -1) // the first restart is immediate (0 ms)
    const delay = (await crash(w)) ?? -1
    expect(delay).toBe(100)
    expect(w.state()).toBe('backoff')
    expect(w.runner.retryAt()).toBe(w.clock.wallNow() + 100)
    await waitDelay(w, delay)
    expect(w.state()).not.toBe('backoff')
    expect(w.runner.retryAt()).toBeNull()
    const again = (await crash(w)) ?? -1
    expect(w.runner.retryAt()).toBe(w.clock.wallNow() + again)
    await w.runner.stop('test')
    expect(w.runner.retryAt()).toBeNull()
  })
})
