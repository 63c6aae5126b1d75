// Uptimes, durations, times and state colours.
import { describe, expect, it } from 'vitest'
import { colorState, createPalette, formatDurationMs, formatTime, formatUptime, shouldColor } from '../../src/render/format.ts'

describe('formatUptime', () => {
  it.each<[number, string]>([
    [-5000, '0s'], [0, '0s'], [999, '0s'], [3_000, '3s'], [59_999, '59s'], [60_000, '1m'], [5 * 60_000 + 59_000, '5m'],
    [3_599_999, '59m'], [3_600_000, '1h'], [2 * 3_600_000 + 1, '2h'], [86_399_999, '23h'], [86_400_000, '1d'], [4 * 86_400_000 + 5, '4d']
  ])('%d ms is %s', (ms, text) => {
    expect(formatUptime(ms)).toBe(text)
  })
})

describe('formatDurationMs', () => {
  it.each<[number, string]>([[0, '0'], [100, '100ms'], [1500, '1500ms'], [10_000, '10s'], [90_000, '90s'], [300_000, '5m'], [3_600_000, '1h']])('%d ms is %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text)
  })
})

describe('formatTime', () => {
  it('prints local time as YYYY-MM-DD HH:MM:SS', () => {
    expect(formatTime(new Date(2024, 0, 2, 3, 4, 5).getTime())).toBe('2024-01-02 03:04:05')
  })
})

describe('shouldColor', () => {
  it.each<[NodeJS.ProcessEnv, boolean, boolean]>([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ TERM: 'dumb' }, true, false],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0' }, true, true],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, true, false]
  ])('%j on a TTY=%s -> %s', (env, tty, expected) => {
    expect(shouldColor(env, tty)).toBe(expected)
  })
})

describe('colorState', () => {
  const on = createPalette(true)
  it.each<[string, string]>([
    ['online', '\u001b[32m'], ['starting', '\u001b[33m'], ['backoff', '\u001b[33m'],
    ['errored', '\u001b[31m'], ['exited', '\u001b[31m'], ['stopped', '\u001b[2m']
  ])('%s', (state, open) => {
    expect(colorState(state, on).startsWith(open)).toBe(true)
    expect(colorState(state, on)).toContain(state)
  })

  it('is plain text when colour is off', () => {
    expect(colorState('online', createPalette(false))).toBe('online')
  })
})
