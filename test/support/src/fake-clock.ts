// FakeClock: monotonic time that only moves when a test says so; advance(ms) fires due timers in order.
import type { Clock } from '../../../packages/daemon/src/core/ports.ts'

export interface FakeClock extends Clock {
  advance (ms: number): void
  /** Number of timers armed and not yet fired or cancelled. */
  pending (): number
}

export function createFakeClock (start = 0, wallStart = 1_700_000_000_000): FakeClock {
  let t = start
  let seq = 0
  const timers = new Map<number, { at: number; fn: () => void }>()
  return {
    now: () => t,
    wallNow: () => wallStart + t,
    setTimer (ms, fn) {
      const id = ++seq
      timers.set(id, { at: t + ms, fn })
      return () => { timers.delete(id) }
    },
    advance (ms) {
      const end = t + ms
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined
        for (const entry of timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) next = entry
        if (next === undefined) break
        timers.delete(next[0])
        t = next[1].at
        next[1].fn()
      }
      t = end
    },
    pending: () => timers.size
  }
}
