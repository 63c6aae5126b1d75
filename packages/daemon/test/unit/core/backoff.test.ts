// Backoff: 0 for the first restart, then restartDelay doubling up to maxRestartDelay, with deterministic ±10% jitter.
import { describe, expect, it } from 'vitest'
import { backoffDelayMs, JITTER } from '../../../src/core/backoff.ts'

const P = { restartDelayMs: 100, maxRestartDelayMs: 15_000 }
const NONE = (): number => 0.5

describe('backoffDelayMs', () => {
  it.each([
    [0, 0], [1, 100], [2, 200], [3, 400], [4, 800], [5, 1_600], [6, 3_200], [7, 6_400], [8, 12_800], [9, 15_000], [10, 15_000], [1_000, 15_000]
  ])('attempt %i → %i ms (random 0.5 = no jitter)', (attempt, ms) => {
    expect(backoffDelayMs(attempt, P, NONE)).toBe(ms)
  })

  it('treats a negative attempt as the first restart', () => {
    expect(backoffDelayMs(-3, P, NONE)).toBe(0)
  })

  it.each([
    [0, 90], [0.25, 95], [0.5, 100], [0.75, 105], [0.999_999, 110]
  ])('random %f gives %i ms at attempt 1 (jitter is ±10%%)', (r, ms) => {
    expect(backoffDelayMs(1, P, () => r)).toBe(ms)
  })

  it('stays within ±10% of the base delay for any random value, and never above the cap', () => {
    expect(JITTER).toBe(0.1)
    for (let attempt = 1; attempt <= 12; attempt++) {
      const base = Math.min(100 * 2 ** (attempt - 1), 15_000)
      for (let i = 0; i < 100; i++) {
        const d = backoffDelayMs(attempt, P, () => i / 100)
        expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.9))
        expect(d).toBeLessThanOrEqual(Math.min(Math.ceil(base * 1.1), 15_000))
      }
    }
  })

  it('is deterministic for a given random source', () => {
    const seq = (): number[] => { let x = 0.1; const r = (): number => (x = (x * 7.3) % 1); return [1, 2, 3, 4].map((a) => backoffDelayMs(a, P, r)) }
    expect(seq()).toEqual(seq())
  })

  it('does not jitter the immediate first restart', () => {
    expect(backoffDelayMs(0, P, () => 0.999)).toBe(0)
  })

  it('is always 0 when restartDelay is 0', () => {
    expect(backoffDelayMs(5, { restartDelayMs: 0, maxRestartDelayMs: 0 }, () => 0.9)).toBe(0)
  })
})
