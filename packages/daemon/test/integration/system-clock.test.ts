// The system clock: monotonic now, wall time, timers that fire once, cancel, and survive delays beyond setTimeout's cap.
import { describe, it, expect, vi, onTestFinished } from 'vitest'
import { createSystemClock } from '../../src/adapters/system-clock.ts'

describe('system clock', () => {
  it('gives monotonic time for durations and epoch ms for records', () => {
    const clock = createSystemClock()
    const a = clock.now()
    const b = clock.now()
    expect(b).toBeGreaterThanOrEqual(a)
    expect(Math.abs(clock.wallNow() - Date.now())).toBeLessThan(1_000)
  })

  it('fires a timer once, not before its delay', async () => {
    const clock = createSystemClock()
    const armedAt = clock.now()
    const fired: number[] = []
    clock.setTimer(30, () => { fired.push(clock.now()) })
    await expect.poll(() => fired.length, { timeout: 5_000 }).toBe(1)
    expect((fired[0] ?? 0) - armedAt).toBeGreaterThanOrEqual(30)
  })

  it('never fires early when armed late in a busy turn of the event loop (node counts a timer from the turn\'s start)', async () => {
    const clock = createSystemClock()
    const busyUntil = performance.now() + 50
    while (performance.now() < busyUntil) { /* a long synchronous job, as a big JSON answer or a /proc scan */ }
    const armedAt = clock.now()
    const fired: number[] = []
    clock.setTimer(30, () => { fired.push(clock.now()) })
    await expect.poll(() => fired.length, { timeout: 5_000 }).toBe(1)
    expect((fired[0] ?? 0) - armedAt).toBeGreaterThanOrEqual(30) // was 28.5 here: node's timer counted from the turn's cached time
  })

  it('cancels a timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    onTestFinished(() => { vi.useRealTimers() })
    const clock = createSystemClock()
    const fn = vi.fn()
    const cancel = clock.setTimer(100, fn)
    vi.advanceTimersByTime(99)
    cancel()
    vi.advanceTimersByTime(10_000)
    expect(fn).not.toHaveBeenCalled()
  })

  it('waits the full delay beyond setTimeout\'s 2^31-1 ms cap, and cancels a chained timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    onTestFinished(() => { vi.useRealTimers() })
    const clock = createSystemClock()
    const days30 = 30 * 24 * 3600 * 1000
    const fn = vi.fn()
    const other = vi.fn()
    clock.setTimer(days30, fn)
    const cancel = clock.setTimer(days30, other)
    vi.advanceTimersByTime(2 ** 31)
    expect(fn).not.toHaveBeenCalled()
    cancel()
    vi.advanceTimersByTime(days30 - 2 ** 31 - 1)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(days30)
    expect(other).not.toHaveBeenCalled()
  })
})
