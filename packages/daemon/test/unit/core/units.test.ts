// Units at the boundary: durations ("100ms", "10s", "5m", "1h", bare ms) and counts, invalid input is undefined.
import { describe, expect, it } from 'vitest'
import { parseCount, parseDurationMs } from '../../../src/core/units.ts'

describe('parseDurationMs', () => {
  it.each<[number | string, number]>([
    [0, 0], [250, 250], [12.6, 13], ['100', 100], ['100ms', 100], ['10s', 10_000], ['1.5s', 1_500],
    ['5m', 300_000], ['2h', 7_200_000], [' 8 s ', 8_000], ['0', 0]
  ])('%j → %i ms', (input, ms) => {
    expect(parseDurationMs(input)).toBe(ms)
  })

  it.each<number | string>([-5, '-5', -0.5, Number.NaN, Number.POSITIVE_INFINITY, '', 'abc', '10x', '5 minutes', '1e3', '10S', '.5s', 's'])(
    '%j is not a duration', (input) => {
      expect(parseDurationMs(input)).toBeUndefined()
    })
})

describe('parseCount', () => {
  it.each<[number | string, number]>([[0, 0], [3, 3], ['3', 3], [' 12 ', 12], ['007', 7]])('%j → %i', (input, n) => {
    expect(parseCount(input)).toBe(n)
  })

  it.each<number | string>([-1, '-1', 1.5, '1.5', 'x', '', '1e3', Number.NaN, '99999999999999999999', Number.MAX_SAFE_INTEGER + 2])(
    '%j is not a count', (input) => {
      expect(parseCount(input)).toBeUndefined()
    })
})
