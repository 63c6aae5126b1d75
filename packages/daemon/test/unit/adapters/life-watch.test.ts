// Adopted workers share one life-check tick: 50 adopted processes are one timer, not 50 polling every 100 ms.
import { describe, expect, it } from 'vitest'
import { createLifeWatch } from '../../../src/adapters/adopted-process.ts'

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
