// Resource rules: `--over` windows (God's "3 of the last 5"), the limits' units, and bad input naming the field.
import { describe, expect, it } from 'vitest'
import { describeFired, normalizeResourceRules, observeSample, parseOver, type OverWindow, type RuleWindow } from '../../../src/core/resource-rules.ts'

const MB = 1024 * 1024

/** Feeds samples one by one; returns the index (0-based) of each sample that fired the rule. */
function firings (samples: readonly number[], limit: number, over: OverWindow): number[] {
  let window: RuleWindow = []
  const fired: number[] = []
  samples.forEach((v, i) => {
    const r = observeSample(window, v, limit, over, 'memory')
    window = r.window
    if (r.fired !== null) fired.push(i)
  })
  return fired
}

describe('parseOver', () => {
  it.each([
    ['3/5', { count: 3, of: 5 }], ['5', { count: 5, of: 5 }], [' 1 / 1 ', { count: 1, of: 1 }], [2, { count: 2, of: 2 }], ['100/100', { count: 100, of: 100 }]
  ])('%j -> %j', (input, want) => { expect(parseOver(input)).toEqual(want) })

  it.each(['6/5', '0/5', '0', '3/', '/5', 'a/b', '3/5/7', '-1', '101', '1/101', ''])('%j is refused', (input) => {
    expect(parseOver(input)).toBeUndefined()
  })
})

describe('observeSample', () => {
  const L = 100 * MB
  const hi = 200 * MB
  const lo = 50 * MB

  it('3/5 fires on the third sample over the limit, and at once when they come in a row', () => {
    expect(firings([hi, hi, hi], L, { count: 3, of: 5 })).toEqual([2])
    expect(firings([hi, lo, hi, lo, hi], L, { count: 3, of: 5 })).toEqual([4])
  })

  it('a single spike (1 sample of 5) never fires, however long it runs', () => {
    const samples = Array.from({ length: 50 }, (_, i) => (i % 5 === 2 ? hi : lo))
    expect(firings(samples, L, { count: 3, of: 5 })).toEqual([])
  })

  it('two spikes in five do not fire 3/5; samples older than the window are forgotten', () => {
    expect(firings([hi, hi, lo, lo, lo, hi, lo, lo, lo, hi], L, { count: 3, of: 5 })).toEqual([])
  })

  it('`--over 5` needs 5 in a row: one sample under the limit starts the count again', () => {
    expect(firings([hi, hi, hi, hi, lo, hi, hi, hi, hi], L, { count: 5, of: 5 })).toEqual([])
    expect(firings([hi, hi, hi, hi, lo, hi, hi, hi, hi, hi], L, { count: 5, of: 5 })).toEqual([9])
  })

  it('a value equal to the limit is not over it', () => {
    expect(firings([L, L, L, L, L], L, { count: 3, of: 5 })).toEqual([])
  })

  it('a fired rule empties its window and says which samples fired it', () => {
    const r = observeSample([hi, lo, hi, lo], hi, L, { count: 3, of: 5 }, 'memory')
    expect(r.window).toEqual([])
    expect(r.fired).toEqual({ rule: 'memory', limit: L, over: { count: 3, of: 5 }, values: [hi, lo, hi, lo, hi] })
    expect(describeFired(r.fired ?? { rule: 'memory', limit: 0, over: { count: 1, of: 1 }, values: [] }))
      .toBe('memory above 100.0M in 3 of the last 5 samples (200.0M, 50.0M, 200.0M, 50.0M, 200.0M)')
  })

  it('describes CPU in percent', () => {
    const r = observeSample([90, 95, 99, 97], 93, 50, { count: 5, of: 5 }, 'cpu')
    expect(describeFired(r.fired ?? { rule: 'cpu', limit: 0, over: { count: 1, of: 1 }, values: [] })).toBe('cpu above 50.0% in 5 of the last 5 samples (90.0%, 95.0%, 99.0%, 97.0%, 93.0%)')
  })
})

describe('normalizeResourceRules', () => {
  it('has no limits by default, a 3/5 window and a 1 s interval', () => {
    expect(normalizeResourceRules({})).toEqual({ maxMemory: null, maxCpu: null, over: { count: 3, of: 5 }, sampleIntervalMs: 1000, cronRestart: null })
  })

  it('reads K/M/G sizes, percents, windows, intervals and cron expressions', () => {
    expect(normalizeResourceRules({ maxMemory: '150M', maxCpu: '50', over: '5', sampleInterval: '500ms', cronRestart: '0 3 * * *' }))
      .toEqual({ maxMemory: 150 * MB, maxCpu: 50, over: { count: 5, of: 5 }, sampleIntervalMs: 500, cronRestart: '0 3 * * *' })
    expect(normalizeResourceRules({ maxMemory: '1G', maxCpu: '150%' })).toMatchObject({ maxMemory: 1024 * MB, maxCpu: 150 })
    expect(normalizeResourceRules({ maxMemory: 2 * MB, maxCpu: 12.5 })).toMatchObject({ maxMemory: 2 * MB, maxCpu: 12.5 })
  })

  it.each([
    [{ maxMemory: '10XB' }, 'maxMemory'],
    [{ maxMemory: '100' }, 'maxMemory'],
    [{ maxMemory: '-5M' }, 'maxMemory'],
    [{ maxCpu: '-1' }, 'maxCpu'],
    [{ maxCpu: '0' }, 'maxCpu'],
    [{ maxCpu: 'lots' }, 'maxCpu'],
    [{ maxCpu: -1 }, 'maxCpu'],
    [{ over: '6/5' }, 'over'],
    [{ over: '0' }, 'over'],
    [{ sampleInterval: '10ms' }, 'sampleInterval'],
    [{ sampleInterval: 'often' }, 'sampleInterval'],
    [{ cronRestart: 'every night' }, 'cronRestart'],
    [{ cronRestart: '61 * * * *' }, 'cronRestart'],
    [{ cronRestart: '* * *' }, 'cronRestart']
  ])('%j is SUP_ERR_INVALID_SPEC on field %s', (input, field) => {
    let err: (Error & { code?: string }) | undefined
    try { normalizeResourceRules(input) } catch (e) { err = e as Error & { code?: string } }
    expect(err?.code).toBe('SUP_ERR_INVALID_SPEC')
    expect(err?.message).toContain(field)
  })
})
