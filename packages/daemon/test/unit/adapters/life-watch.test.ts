// Adopted workers share one life-check tick: 50 adopted processes are one timer, not 50 polling; it ticks once a second
// while nothing waits, every 100 ms while a stop waits for one; each check is one kill(pid, 0) and one /proc read.
import { describe, expect, it } from 'vitest'
import { adoptProcess, createLifeWatch, HURRY_MS, pidExists, WATCH_MS } from '../../../src/adapters/adopted-process.ts'

function fakeTimers () {
  const live = new Map<number, { fn: () => void; ms: number }>()
  let next = 1
  let created = 0
  return {
    created: () => created,
    running: () => live.size,
    /** The intervals of the timers running now. */
    intervals: () => [...live.values()].map((t) => t.ms),
    fire: () => { for (const t of [...live.values()]) t.fn() },
    timers: {
      setInterval: (fn: () => void, ms: number) => { created++; live.set(next, { fn, ms }); return next++ },
      clearInterval: (h: unknown) => { live.delete(h as number) }
    }
  }
}

describe('createLifeWatch', () => {
  it('checks every watched process on one shared timer, stopped once none is left, started again for the next', async () => {
    const t = fakeTimers()
    const life = createLifeWatch(1000, 100, t.timers)
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
    await createLifeWatch(1000, 100, t.timers).untilGone(() => true)
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
  it('ticks once a second while nothing waits (an idle daemon of adopted workers), each tick one kill(pid, 0) and one start-time read', async () => {
    const t = fakeTimers()
    const { state, probes: p } = probes(4242, 777)
    let exited = false
    void adoptProcess(4242, 'm', 777, createLifeWatch(undefined, undefined, t.timers), p).exited.then(() => { exited = true })
    expect(t.intervals()).toEqual([WATCH_MS])
    expect(WATCH_MS).toBeGreaterThanOrEqual(1000)
    for (let i = 0; i < 4; i++) t.fire()
    await Promise.resolve()
    expect(exited).toBe(false)
    expect(state.existsCalls).toBe(5) // with the first check, before any tick
    expect(state.startTimeReads).toBe(5)
    state.exists = false // gone and reaped: seen at the next tick, with no /proc read
    t.fire()
    await Promise.resolve()
    await Promise.resolve()
    expect(exited).toBe(true)
    expect(state.startTimeReads).toBe(5)
    expect(t.running()).toBe(0)
  })

  it('a zombie nobody reaps (the pid still exists) or a reused pid is gone at the next tick', async () => {
    for (const after of [null, 778]) {
      const t = fakeTimers()
      const { state, probes: p } = probes(4242, 777)
      let exited = false
      void adoptProcess(4242, 'm', 777, createLifeWatch(1000, 100, t.timers), p).exited.then(() => { exited = true })
      t.fire()
      await Promise.resolve()
      expect(exited).toBe(false)
      state.startTime = after
      t.fire()
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
  it('the shared tick goes to 100 ms at once while a signalled process is awaited, and back to 1 s once it is gone', async () => {
    const t = fakeTimers()
    const marker = `life-watch-test-${process.pid}-${Date.now()}` // no process carries it: signalTree signals none
    const life = createLifeWatch(undefined, undefined, t.timers)
    const calm = probes(2 ** 22 + 2, 1)
    adoptProcess(2 ** 22 + 2, marker, 1, life, calm.probes)
    const { state, probes: p } = probes(2 ** 22 + 1, 777)
    const stopped = adoptProcess(2 ** 22 + 1, marker, 777, life, p)
    expect(t.intervals()).toEqual([WATCH_MS])
    stopped.signalTree('SIGTERM')
    expect(t.intervals()).toEqual([HURRY_MS])
    expect(HURRY_MS).toBeLessThanOrEqual(100)
    state.exists = false
    t.fire()
    await stopped.exited
    expect(t.intervals()).toEqual([WATCH_MS])
  })

  it('reads the start time every tick, so a zombie left by a stop is seen gone at the next tick', async () => {
    const t = fakeTimers()
    const pid = 2 ** 22 + 1 // above pid_max's ceiling: the signals go nowhere
    const { state, probes: p } = probes(pid, 777) // exists stays true: a zombie nobody reaps still has its pid
    const marker = `life-watch-test-${process.pid}-${Date.now()}` // no process carries it: signalTree signals none
    const adopted = adoptProcess(pid, marker, 777, createLifeWatch(1000, 100, t.timers), p)
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
