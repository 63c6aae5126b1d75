// Restart policy: when a worker comes back, how long it waits, and when it is declared errored (flapping).
import { describe, expect, it } from 'vitest'
import { decideRestart, isCleanExit, type RestartPolicy } from '../../../src/core/restart-policy.ts'
import { initialSnapshot, transition, type ExitInfo, type Step, type WorkerEvent, type WorkerSnapshot } from '../../../src/core/worker-machine.ts'

const POLICY: RestartPolicy = {
  restart: 'always', restartDelayMs: 100, maxRestartDelayMs: 1_000, minUptimeMs: 10_000, maxRestarts: 3,
  restartWindowMs: 60_000, retryInMs: 300_000, listenTimeoutMs: 8_000, killTimeoutMs: 5_000, killSignal: 'SIGTERM'
}
const CRASH: ExitInfo = { code: 1, signal: null }

/** Drives the pure machine the way the runner does, with a hand-moved clock. */
function machine (policy: Partial<RestartPolicy> = {}) {
  const p = { ...POLICY, ...policy }
  let s: WorkerSnapshot = initialSnapshot()
  let now = 0
  const step = (e: WorkerEvent): Step => { const r = transition(s, e, { policy: p, now, random: () => 0.5 }); s = r.snapshot; return r }
  const armed = (r: Step, timer: string): number | undefined => r.effects.flatMap((e) => e.type === 'arm-timer' && e.timer === timer ? [e.ms] : [])[0]
  return {
    get state () { return s.state },
    get snap () { return s },
    step,
    armed,
    wait (ms: number) { now += ms },
    /** Brings the worker to online from stopped, backoff (waiting its delay) or errored (waiting retryIn). */
    up (): void {
      if (s.state === 'stopped') step({ type: 'start', reason: 'test' })
      if (s.state === 'backoff') step({ type: 'timer', timer: 'retry' })
      if (s.state === 'errored') { now += p.retryInMs; step({ type: 'timer', timer: 'rearm' }) }
      step({ type: 'spawned', pid: 1 })
      step({ type: 'ready' })
    },
    /** Crashes an online worker; returns the restart delay chosen (undefined when not restarting). */
    crash (exit: ExitInfo = CRASH): number | undefined {
      const r = step({ type: 'exit', ...exit })
      const d = armed(r, 'retry')
      if (d !== undefined) now += d
      return d
    }
  }
}

describe('backoff between consecutive restarts', () => {
  it('is immediate for the first restart, then 100, 200, 400 ... capped at maxRestartDelay', () => {
    const m = machine({ maxRestarts: 100 })
    const delays: Array<number | undefined> = []
    for (let i = 0; i < 7; i++) { m.up(); delays.push(m.crash()) }
    expect(delays).toEqual([0, 100, 200, 400, 800, 1_000, 1_000])
  })

  it.each([
    ['stayed online for minUptime (stable timer fired)', true, 0],
    ['crashed again before minUptime', false, 200]
  ])('after two quick crashes, a worker that %s restarts after %s ms', (_what, stable, expected) => {
    const m = machine({ maxRestarts: 100 })
    m.up(); m.crash(); m.up(); m.crash(); m.up()
    if (stable) { m.wait(10_000); m.step({ type: 'timer', timer: 'stable' }) }
    expect(m.crash()).toBe(expected)
  })
})

describe('flapping', () => {
  it('maxRestarts restarts inside restartWindow → errored, re-armed after retryIn', () => {
    const m = machine()
    for (let i = 0; i < 3; i++) { m.up(); expect(m.crash()).toBeDefined() }
    m.up()
    const r = m.step({ type: 'exit', code: 1, signal: null })
    expect(m.state).toBe('errored')
    expect(m.armed(r, 'retry')).toBeUndefined()
    expect(m.armed(r, 'rearm')).toBe(300_000)
    expect(r.effects).toContainEqual(expect.objectContaining({ type: 'emit', to: 'errored', reason: expect.stringContaining('3 restarts within 60000 ms'), data: expect.objectContaining({ retryInMs: 300_000 }) }))
    expect(m.snap.restarts).toBe(3)
  })

  it('rearm gives a fresh budget: three more restarts, from a zero delay, before errored again', () => {
    const m = machine()
    for (let i = 0; i < 4; i++) { m.up(); m.crash() }
    expect(m.state).toBe('errored')
    const delays: Array<number | undefined> = []
    for (let i = 0; i < 3; i++) { m.up(); delays.push(m.crash()) }
    expect(delays).toEqual([0, 100, 200])
    m.up(); m.crash()
    expect(m.state).toBe('errored')
  })

  it.each([
    [60_000, 'backoff'],
    [59_999, 'errored']
  ])('the sliding window: restarts at t=0, 1000, 2000 and a crash at t=%i → %s', (t, expected) => {
    const m = machine()
    m.up(); m.crash()
    m.up(); m.wait(1_000); m.crash()
    m.up(); m.wait(900); m.crash()
    expect(m.snap.restartTimes).toEqual([0, 1_000, 2_000])
    m.up()
    m.wait(t - 2_200)
    m.step({ type: 'exit', code: 1, signal: null })
    expect(m.state).toBe(expected)
    if (expected === 'backoff') expect(m.snap.restartTimes).toEqual([1_000, 2_000, 60_000])
  })

  it('listen timeouts are failed starts and count toward flapping', () => {
    const m = machine({ maxRestarts: 2 })
    m.step({ type: 'start', reason: 'test' })
    const states: string[] = []
    for (let i = 0; i < 3; i++) {
      m.step({ type: 'spawned', pid: 1 })
      const r = m.step({ type: 'timer', timer: 'listen' })
      expect(r.effects).toContainEqual({ type: 'reap' })
      states.push(m.state)
      if (m.state === 'backoff') m.step({ type: 'timer', timer: 'retry' })
    }
    expect(states).toEqual(['backoff', 'backoff', 'errored'])
  })

  it('spawn failures count toward flapping too', () => {
    const m = machine({ maxRestarts: 1 })
    m.step({ type: 'start', reason: 'test' })
    m.step({ type: 'spawn-failed', message: 'EACCES' })
    expect(m.state).toBe('backoff')
    m.step({ type: 'timer', timer: 'retry' })
    m.step({ type: 'spawn-failed', message: 'EACCES' })
    expect(m.state).toBe('errored')
  })
})

describe('restart modes', () => {
  it.each<[RestartPolicy['restart'], ExitInfo, string]>([
    ['never', { code: 0, signal: null }, 'exited'],
    ['never', { code: 1, signal: null }, 'exited'],
    ['never', { code: null, signal: 'SIGKILL' }, 'exited'],
    ['on-failure', { code: 0, signal: null }, 'exited'],
    ['on-failure', { code: 1, signal: null }, 'backoff'],
    ['on-failure', { code: null, signal: 'SIGTERM' }, 'backoff'],
    ['always', { code: 0, signal: null }, 'backoff'],
    ['always', { code: 2, signal: null }, 'backoff']
  ])('restart %s + exit %j → %s', (restart, exit, expected) => {
    const m = machine({ restart })
    m.up()
    const r = m.step({ type: 'exit', ...exit })
    expect(m.state).toBe(expected)
    if (expected === 'exited') {
      expect(r.effects.some((e) => e.type === 'arm-timer')).toBe(false)
      expect(m.snap.restarts).toBe(0)
    }
  })

  it('on-failure restarts a worker that never became ready (a failed start is not a clean exit)', () => {
    const m = machine({ restart: 'on-failure' })
    m.step({ type: 'start', reason: 'test' })
    m.step({ type: 'timer', timer: 'listen' })
    expect(m.state).toBe('backoff')
  })
})

describe('decideRestart', () => {
  it.each<[ExitInfo, boolean]>([
    [{ code: 0, signal: null }, true],
    [{ code: 1, signal: null }, false],
    [{ code: null, signal: 'SIGTERM' }, false],
    [{ code: 0, signal: 'SIGTERM' }, false],
    [{ code: null, signal: null }, false]
  ])('isCleanExit(%j) is %s', (exit, clean) => {
    expect(isCleanExit(exit)).toBe(clean)
  })

  it('records this restart and drops those that left the window', () => {
    const s = { ...initialSnapshot(), restartTimes: [0, 50_000] }
    expect(decideRestart(s, CRASH, POLICY, 70_000, () => 0.5)).toEqual({ action: 'restart', delayMs: 0, restartTimes: [50_000, 70_000] })
  })

  it('does not mutate the snapshot it is given', () => {
    const s = { ...initialSnapshot(), restartTimes: [1, 2] }
    decideRestart(s, CRASH, POLICY, 3, () => 0.5)
    expect(s.restartTimes).toEqual([1, 2])
  })
})
