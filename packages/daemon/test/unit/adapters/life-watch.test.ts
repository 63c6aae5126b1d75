// Adopted workers share one life-check tick: 50 adopted processes are one timer, not 50 polling every 100 ms; each check
// is one kill(pid, 0), and a /proc read only every START_TIME_EVERY ticks.
import { describe, expect, it } from 'vitest'
import { adoptProcess, createLifeWatch, pidExists, START_TIME_EVERY } from '../../../src/adapters/adopted-process.ts'

function fakeTimers () {
  const live = new Map<number, () => void>()
  let next = 1
  let created = 0
  return {
    created: () => created,
    running: () => live.size,
    fire: () => { for (const fn of [...live.values()]) fn() },
    timers: {
      setInterval: (fn: () => void) => { created++; live.set(next, fn); return next++ },
      clearInterval: (h: unknown) => { live.delete(h as number) }
    }
  }
}

describe('createLifeWatch', () => {
  it('checks every watched process on one shared timer, stopped once none is left, started again for the next', async () => {
    const t = fakeTimers()
    const life = createLifeWatch(100, t.timers)
    const gone = new Set<number>()
    const done: number[] = []
    for (let i = 0; i < 50; i++) void life.untilGone(() => gone.has(i)).then(() => done.push(i))
    expect(t.created()).toBe(1)
    expect(t.running()).toBe(1)
    gone.add(3)
    t.fire()
    await Promise.resolve()
    expect(done).toEqual([3])
    for (let i = 0; i < 50; i++) gone.add(i)
    t.fire()
    await Promise.resolve()
    expect(done).toHaveLength(50)
    expect(t.running()).toBe(0)
    void life.untilGone(() => false)
    expect(t.created()).toBe(2)
  })

  it('resolves at once, with no timer, for a process already gone', async () => {
    const t = fakeTimers()
    await createLifeWatch(100, t.timers).untilGone(() => true)
    expect(t.created()).toBe(0)
  })
})

/** Probes of one adopted pid whose answers the test sets, counting the calls. */
function probes (pid: number, startTime: number) {
  const state = { exists: true, startTime: startTime as number | null, existsCalls: 0, startTimeReads: 0 }
  return {
    state,
    probes: {
      exists: (p: number) => { expect(p).toBe(pid); state.existsCalls++; return state.exists },
      startTime: (p: number) => { expect(p).toBe(pid); state.startTimeReads++; return state.startTime }
    }
  }
}

describe('adoptProcess: the life check', () => {
  it('asks kill(pid, 0) each tick and reads the start time from /proc only every START_TIME_EVERY ticks', async () => {
    const t = fakeTimers()
    const { state, probes: p } = probes(4242, 777)
    let exited = false
    void adoptProcess(4242, 'm', 777, createLifeWatch(100, t.timers), p).exited.then(() => { exited = true })
    for (let i = 0; i < 3 * START_TIME_EVERY - 1; i++) t.fire() // 3 x START_TIME_EVERY checks with the first one
    await Promise.resolve()
    expect(exited).toBe(false)
    expect(state.existsCalls).toBe(3 * START_TIME_EVERY)
    expect(state.startTimeReads).toBe(3)
    state.exists = false // gone and reaped: seen at the next tick, whatever the count
    t.fire()
    await Promise.resolve()
    await Promise.resolve()
    expect(exited).toBe(true)
    expect(t.running()).toBe(0)
  })

  it('a zombie nobody reaps (the pid still exists) or a reused pid is gone at the next start-time read', async () => {
    for (const after of [null, 778]) {
      const t = fakeTimers()
      const { state, probes: p } = probes(4242, 777)
      let exited = false
      void adoptProcess(4242, 'm', 777, createLifeWatch(100, t.timers), p).exited.then(() => { exited = true })
      state.startTime = after
      for (let i = 0; i < START_TIME_EVERY - 2; i++) t.fire()
      await Promise.resolve()
      expect(exited).toBe(false)
      t.fire() // the START_TIME_EVERY-th check
      await Promise.resolve()
      await Promise.resolve()
      expect(exited).toBe(true)
    }
  })
})

describe('pidExists', () => {
  it('is true for this process and for pid 1 (not ours: EPERM is alive), false for a pid no process has', () => {
    expect(pidExists(process.pid)).toBe(true)
    expect(pidExists(1)).toBe(true)
    expect(pidExists(2 ** 22 + 1)).toBe(false) // above pid_max's ceiling
  })
})

describe('adoptProcess: once signalled', () => {
  it('reads the start time every tick, so a zombie left by a stop is seen gone at the next tick', async () => {
    const t = fakeTimers()
    const pid = 2 ** 22 + 1 // above pid_max's ceiling: the signals go nowhere
    const { state, probes: p } = probes(pid, 777) // exists stays true: a zombie nobody reaps still has its pid
    const marker = `life-watch-test-${process.pid}-${Date.now()}` // no process carries it: signalTree signals none
    const adopted = adoptProcess(pid, marker, 777, createLifeWatch(100, t.timers), p)
    let exited = false
    void adopted.exited.then(() => { exited = true })
    adopted.signalTree('SIGTERM')
    const before = state.startTimeReads
    t.fire()
    expect(state.startTimeReads).toBe(before + 1)
    state.startTime = null // it died: a zombie
    t.fire()
    await Promise.resolve()
    await Promise.resolve()
    expect(exited).toBe(true)
  })
})
