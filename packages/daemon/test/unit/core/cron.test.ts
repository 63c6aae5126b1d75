// Cron expressions through cron-parser: validation messages and the next run.
import { describe, expect, it } from 'vitest'
import { nextCronTime, validateCron } from '../../../src/core/cron.ts'

describe('validateCron', () => {
  it.each(['0 3 * * *', '*/5 * * * *', '0 0 3 * * *', '@daily', '0 3 * * MON-FRI'])('%j is valid', (expr) => {
    expect(validateCron(expr)).toBeNull()
  })
  it.each(['', 'nightly', '* * *', '99 * * * *', '* * * * * * *', '0 25 * * *'])('%j is refused with a reason', (expr) => {
    expect(validateCron(expr)).toEqual(expect.any(String))
  })
})

describe('nextCronTime', () => {
  it('is the next matching minute strictly after the given time', () => {
    const t = Date.UTC(2026, 0, 1, 10, 7, 30)
    const next = nextCronTime('*/5 * * * *', t)
    expect(next).toBeGreaterThan(t)
    expect(new Date(next).getMinutes() % 5).toBe(0)
    expect(next - t).toBeLessThanOrEqual(5 * 60_000)
    expect(nextCronTime('*/5 * * * *', next)).toBe(next + 5 * 60_000)
  })
})
