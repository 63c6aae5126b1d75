// WorkerRunner.stop(): signal, SIGKILL escalation at killTimeout, no restart after stop, idempotence.
import { describe, expect, it } from 'vitest'
import type { ExitResult, PortProbe, WorkerProcess } from '../../../src/core/ports.ts'
import { createRunner, flush } from './harness.ts'

/** Makes every isFree() wait until the test answers it. */
function gateProbe (probe: PortProbe): Array<(free: boolean) => void> {
  const gates: Array<(free: boolean) => void> = []
  probe.isFree = () => new Promise<boolean>((resolve) => { gates.push(resolve) })
  return gates
}

/** True once the promise has settled (after letting pending callbacks run). */
async function isSettled (p: Promise<unknown>): Promise<boolean> {
  let settled = false
  void p.then(() => { settled = true }, () => { settled = true })
  await flush()
  return settled
}

async function online (opts: Parameters<typeof createRunner>[0] = {}) {
  const w = createRunner(opts)
  w.runner.start('test')
  await flush()
  expect(w.state()).toBe('online')
  return w
}

describe('stop', () => {
  it('resolves only after the process has exited, and leaves no timer behind', async () => {
    const w = await online()
    const p = w.spawner.last()
    let done = false
    const stopped = w.runner.stop('user').then(() => { done = true })
    expect(w.state()).toBe('stopping')
    expect(p.signals).toEqual(['SIGTERM'])
    await flush()
    expect(done).toBe(false)
    p.exit({ signal: 'SIGTERM' })
    await stopped
    expect(w.state()).toBe('stopped')
    expect(w.store.worker('api', 0)?.snapshot).toMatchObject({ state: 'stopped', pid: null, restarts: 0 })
    expect(w.clock.pending()).toBe(0)
    w.clock.advance(600_000)
    await flush()
    expect(w.spawner.procs).toHaveLength(1)
  })

  it.each([
    ['default SIGTERM / 5 s', {}, 'SIGTERM', 5_000],
    ['SIGINT / 2 s', { killSignal: 'SIGINT', killTimeout: '2s' }, 'SIGINT', 2_000]
  ])('a worker ignoring its stop signal (%s) gets SIGKILL exactly at killTimeout', async (_what, spec, signal, killTimeoutMs) => {
    const w = await online({ spec })
    const p = w.spawner.last()
    const stopped = w.runner.stop('user')
    w.clock.advance(killTimeoutMs - 1)
    await flush()
    expect(p.signals).toEqual([signal])
    expect(w.state()).toBe('stopping')
    w.clock.advance(1)
    expect(p.signals).toEqual([signal, 'SIGKILL'])
    await stopped
    expect(w.state()).toBe('stopped')
    expect(w.events.at(-1)).toMatchObject({ from: 'stopping', to: 'stopped', data: { signal: 'SIGKILL' } })
  })

  it('stops a worker that is still starting (not ready yet)', async () => {
    const w = createRunner({ acceptAll: false })
    w.runner.start('test')
    await flush()
    const stopped = w.runner.stop('user')
    expect(w.spawner.last().signals).toEqual(['SIGTERM'])
    w.spawner.last().exit({ code: 0 })
    await stopped
    expect(w.state()).toBe('stopped')
    w.probe.accept(8000)
    w.clock.advance(60_000)
    await flush()
    expect(w.state()).toBe('stopped')
    expect(w.spawner.procs).toHaveLength(1)
  })

  it('overtakes a spawn still in flight: nothing is spawned and stop resolves', async () => {
    const w = createRunner()
    w.runner.start('test')
    await w.runner.stop('user')
    await flush()
    expect(w.state()).toBe('stopped')
    expect(w.spawner.procs).toHaveLength(0)
    expect(w.clock.pending()).toBe(0)
  })

  it('during backoff cancels the pending restart', async () => {
    const w = await online()
    w.spawner.last().exit({ code: 1 })
    await flush()
    expect(w.state()).toBe('backoff')
    await w.runner.stop('user')
    expect(w.path().at(-1)).toBe('backoff>stopped')
    w.clock.advance(60_000)
    await flush()
    expect(w.spawner.procs).toHaveLength(1)
    expect(w.state()).toBe('stopped')
  })

  it('while errored cancels the retryIn re-arm', async () => {
    const w = await online({ spec: { maxRestarts: 0, retryIn: '1m' } })
    w.spawner.last().exit({ code: 1 })
    await flush()
    expect(w.state()).toBe('errored')
    await w.runner.stop('user')
    w.clock.advance(120_000)
    await flush()
    expect(w.state()).toBe('stopped')
    expect(w.spawner.procs).toHaveLength(1)
  })

  it('is idempotent: a second stop sends no second signal and both resolve when the process exits', async () => {
    const w = await online()
    const p = w.spawner.last()
    const a = w.runner.stop('first')
    const b = w.runner.stop('second')
    expect(p.signals).toEqual(['SIGTERM'])
    p.exit({ signal: 'SIGTERM' })
    await Promise.all([a, b])
    const events = w.events.length
    await w.runner.stop('third')
    expect(w.events).toHaveLength(events)
    expect(w.path().filter((s) => s === 'online>stopping')).toHaveLength(1)
  })

  it('of a never-started worker resolves at once and records nothing', async () => {
    const w = createRunner()
    await w.runner.stop('user')
    expect(w.events).toEqual([])
    expect(w.state()).toBe('stopped')
  })

  it('of an exited worker (restart never) resolves at once', async () => {
    const w = await online({ spec: { restart: 'never' } })
    w.spawner.last().exit({ code: 0 })
    await flush()
    expect(w.state()).toBe('exited')
    await w.runner.stop('user')
    expect(w.state()).toBe('exited')
  })

  it('then start runs the worker again on the port it kept while stopped', async () => {
    const w = await online()
    const stopped = w.runner.stop('user')
    w.spawner.last().exit({ signal: 'SIGTERM' })
    await stopped
    expect(await w.broker.claim({ from: 8000, to: 8004 }, ['web:0'])).toEqual([8001])
    w.runner.start('user')
    await flush()
    expect(w.spawner.procs).toHaveLength(2)
    expect(w.spawner.last().spec.env.PORT).toBe('8000')
    expect(w.state()).toBe('online')
  })

  it('a start while stopping is ignored; the worker ends stopped', async () => {
    const w = await online()
    const stopped = w.runner.stop('user')
    w.runner.start('too early')
    w.spawner.last().exit({ signal: 'SIGTERM' })
    await stopped
    await flush()
    expect(w.state()).toBe('stopped')
    expect(w.spawner.procs).toHaveLength(1)
  })

  it('overtakes a port claim in flight that then fails: stop still resolves, stopped', async () => {
    const w = createRunner({ spec: { portRange: '8000' } })
    const gates = gateProbe(w.probe)
    w.runner.start('test')
    await flush()
    gates[0]!(false) // its port was taken by an outside process: the runner asks the broker for another
    await flush()
    expect(gates).toHaveLength(2)
    const stopped = w.runner.stop('user')
    gates[1]!(false) // ... and the range has none: SUP_ERR_PORT_EXHAUSTED while stopping
    w.clock.advance(10_000)
    expect(await isSettled(stopped)).toBe(true)
    expect(w.state()).toBe('stopped')
    expect(w.spawner.procs).toHaveLength(0)
  })

  it('overtakes a failing spawn whose failure is reported late: stop still resolves, stopped', async () => {
    const w = createRunner()
    let fail: (r: ExitResult) => void = () => undefined
    const failing: WorkerProcess = {
      pid: undefined, exited: new Promise((resolve) => { fail = resolve }), signalTree: () => undefined, waitTreeGone: async () => undefined, onMessage: () => undefined
    }
    Object.assign(w.deps.spawner, { spawn: () => failing })
    w.runner.start('test')
    await flush()
    const stopped = w.runner.stop('user')
    fail({ code: null, signal: null, error: 'spawn EACCES' })
    w.clock.advance(10_000)
    expect(await isSettled(stopped)).toBe(true)
    expect(w.state()).toBe('stopped')
  })
})
