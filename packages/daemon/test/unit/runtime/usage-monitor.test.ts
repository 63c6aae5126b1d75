// The usage monitor on a fake clock and a scripted sampler: when rules fire, and when they must not.
import { describe, expect, it } from 'vitest'
import type { TreeUsage, UsageSampler } from '../../../src/core/ports.ts'
import { normalizeResourceRules, type FiredRule, type ResourceRulesInput } from '../../../src/core/resource-rules.ts'
import { createUsageMonitor, OBSERVED_MS, type SampleTarget } from '../../../src/runtime/usage-monitor.ts'
import { createFakeClock } from '../../../../../test/support/src/fake-clock.ts'
import { flush } from '../../../../../test/support/src/wait.ts'

const MB = 1024 * 1024

/** A sampler whose answer per pid is set by the test (memory in MB); records each call's pids. */
function scriptedSampler () {
  const memory = new Map<number, number>()
  const cpu = new Map<number, number>()
  const calls: number[][] = []
  const sampler: UsageSampler = {
    async sample (roots) {
      calls.push([...roots])
      const out = new Map<number, TreeUsage>()
      for (const pid of roots) out.set(pid, { cpu: cpu.get(pid) ?? 1, memory: (memory.get(pid) ?? 30) * MB, pids: 1 })
      return out
    }
  }
  return { sampler, memory, cpu, calls }
}

function setup (rules: ResourceRulesInput, workers = 3) {
  const clock = createFakeClock()
  const s = scriptedSampler()
  const r = normalizeResourceRules(rules)
  let targets: SampleTarget[] = Array.from({ length: workers }, (_, i) => ({ app: 'api', instance: i, pid: 100 + i, rules: r }))
  const fired: Array<{ instance: number; pid: number; fired: readonly FiredRule[] }> = []
  let finish: () => void = () => undefined
  const monitor = createUsageMonitor({
    clock,
    sampler: s.sampler,
    targets: () => targets,
    onFire: (t, f) => { fired.push({ instance: t.instance, pid: t.pid, fired: f }); return new Promise<void>((resolve) => { finish = resolve }) },
    onError: (err) => { throw err }
  })
  monitor.start()
  /** Advances one sample interval and lets the tick finish. */
  const step = async (n = 1): Promise<void> => { for (let i = 0; i < n; i++) { clock.advance(r.sampleIntervalMs); await flush() } }
  return { clock, monitor, ...s, fired, step, finishReplacement: () => finish(), setTargets: (t: SampleTarget[]) => { targets = t }, rules: r }
}

describe('usage monitor', () => {
  it('samples every worker of a rule in one sampler call per tick, every interval', async () => {
    const t = setup({ sampleInterval: '1s', maxMemory: '1G' })
    await t.step(3)
    expect(t.calls).toEqual([[100, 101, 102], [100, 101, 102], [100, 101, 102]])
    expect(t.monitor.latest('api', 1, 101)).toMatchObject({ cpu: 1, memory: 30 * MB })
    expect(t.monitor.latest('api', 1, 999)).toBeNull()
  })

  it('--max-memory 100M --over 3/5: the worker over the limit fires on its third sample; the others are untouched', async () => {
    const t = setup({ maxMemory: '100M', over: '3/5' })
    await t.step(2)
    t.memory.set(101, 200)
    await t.step(2)
    expect(t.fired).toEqual([])
    await t.step(1)
    expect(t.fired).toHaveLength(1)
    expect(t.fired[0]).toMatchObject({ instance: 1, pid: 101, fired: [{ rule: 'memory', limit: 100 * MB, values: [30 * MB, 30 * MB, 200 * MB, 200 * MB, 200 * MB] }] })
  })

  it('never fires again for a worker before its replacement is done, and starts a fresh window for the new process', async () => {
    const t = setup({ maxMemory: '100M', over: '3/5' })
    t.memory.set(100, 200)
    await t.step(3)
    expect(t.fired).toHaveLength(1)
    await t.step(10)
    expect(t.fired).toHaveLength(1)
    // The replacement (pid 200) is online and also over the limit: its own 3 samples are needed
    t.memory.set(200, 200)
    t.setTargets([{ app: 'api', instance: 0, pid: 200, rules: t.rules }])
    t.finishReplacement()
    await t.step(2)
    expect(t.fired).toHaveLength(1)
    await t.step(1)
    expect(t.fired.map((f) => f.pid)).toEqual([100, 200])
  })

  it('a single spike (1 sample in 5) does not fire', async () => {
    const t = setup({ maxMemory: '100M', over: '3/5' }, 1)
    for (let i = 0; i < 20; i++) {
      t.memory.set(100, i % 5 === 0 ? 500 : 30)
      await t.step()
    }
    expect(t.fired).toEqual([])
  })

  it('--max-cpu 50 --over 5: five samples in a row over 50 %; 30 % never fires', async () => {
    const t = setup({ maxCpu: '50', over: '5' }, 2)
    t.cpu.set(100, 99)
    t.cpu.set(101, 30)
    await t.step(4)
    expect(t.fired).toEqual([])
    await t.step(1)
    expect(t.fired.map((f) => [f.instance, f.fired[0]?.rule])).toEqual([[0, 'cpu']])
    await t.step(20)
    expect(t.fired).toHaveLength(1)
  })

  it('keeps one minute of history per worker', async () => {
    const t = setup({ maxCpu: '90' }, 1)
    await t.step(90)
    const h = t.monitor.history('api').get(0)
    expect(h?.samples.length).toBeGreaterThanOrEqual(60)
    expect(h?.samples.length).toBeLessThanOrEqual(61)
    expect(t.monitor.history('web').size).toBe(0)
  })

  it('an app with a longer --sample-interval is sampled less often', async () => {
    const t = setup({ sampleInterval: '1s', maxMemory: '1G' }, 1)
    const slow = normalizeResourceRules({ sampleInterval: '3s', maxMemory: '1G' })
    t.setTargets([{ app: 'api', instance: 0, pid: 100, rules: t.rules }, { app: 'slow', instance: 0, pid: 300, rules: slow }])
    await t.step(6)
    expect(t.calls.filter((c) => c.includes(300)).length).toBeLessThanOrEqual(3)
    expect(t.calls.filter((c) => c.includes(100)).length).toBeGreaterThanOrEqual(5)
  })

  it('stops ticking when stopped', async () => {
    const t = setup({ maxMemory: '1G' }, 1)
    await t.step(2)
    t.monitor.stop()
    await t.step(5)
    expect(t.calls).toHaveLength(2)
    expect(t.clock.pending()).toBe(0)
  })

  it('samples nothing and arms no timer while no rule needs samples and nobody reads them (an idle daemon sleeps)', async () => {
    const t = setup({}, 3)
    await t.step(30)
    expect(t.calls).toEqual([])
    expect(t.clock.pending()).toBe(0)
  })

  it('a read samples every worker at once, then every interval for a minute, then stops', async () => {
    const t = setup({}, 2)
    await t.step(5)
    await t.monitor.fresh()
    expect(t.calls).toEqual([[100, 101]])
    expect(t.monitor.latest('api', 1, 101)).toMatchObject({ memory: 30 * MB })
    // a second read within the interval reuses that sample
    await t.monitor.fresh()
    expect(t.calls).toHaveLength(1)
    await t.step(OBSERVED_MS / 1000 + 10)
    expect(t.calls.length).toBeGreaterThanOrEqual(OBSERVED_MS / 1000 - 1)
    expect(t.calls.length).toBeLessThanOrEqual(OBSERVED_MS / 1000 + 1)
    expect(t.clock.pending()).toBe(0)
    const seen = t.calls.length
    await t.step(30)
    expect(t.calls).toHaveLength(seen)
    expect(t.monitor.history('api').get(0)?.samples.length).toBe(seen)
  })

  it('without readers, only the workers of apps with a memory or CPU rule are sampled', async () => {
    const t = setup({}, 1)
    const ruled = normalizeResourceRules({ maxMemory: '200M' })
    t.setTargets([{ app: 'api', instance: 0, pid: 100, rules: t.rules }, { app: 'capped', instance: 0, pid: 300, rules: ruled }])
    t.monitor.wake()
    await t.step(3)
    expect(t.calls).toEqual([[300], [300], [300]])
  })

  it('a rule that appears later wakes the sampler (wake), and a rule that goes lets it sleep again', async () => {
    const t = setup({}, 1)
    await t.step(3)
    expect(t.calls).toEqual([])
    t.setTargets([{ app: 'api', instance: 0, pid: 100, rules: normalizeResourceRules({ maxCpu: '80' }) }])
    t.monitor.wake()
    t.monitor.wake() // twice: still one timer
    expect(t.clock.pending()).toBe(1)
    await t.step(2)
    expect(t.calls).toEqual([[100], [100]])
    t.setTargets([{ app: 'api', instance: 0, pid: 100, rules: t.rules }])
    await t.step(3)
    expect(t.calls).toHaveLength(2)
    expect(t.clock.pending()).toBe(0)
  })

  it('a read during a slow tick waits for it: never two samples of a worker at once', async () => {
    const clock = createFakeClock()
    let inFlight = 0
    let most = 0
    const releases: Array<() => void> = []
    const sampler: UsageSampler = {
      async sample (roots) {
        inFlight++
        most = Math.max(most, inFlight)
        await new Promise<void>((resolve) => releases.push(resolve))
        inFlight--
        return new Map(roots.map((pid): [number, TreeUsage] => [pid, { cpu: 1, memory: MB, pids: 1 }]))
      }
    }
    const rules = normalizeResourceRules({ maxMemory: '1G' })
    const monitor = createUsageMonitor({ clock, sampler, targets: () => [{ app: 'api', instance: 0, pid: 100, rules }], onFire: async () => undefined, onError: (err) => { throw err } })
    monitor.start()
    clock.advance(1000)
    await flush()
    expect(releases).toHaveLength(1)
    clock.advance(1000) // the read comes a full interval later, while the timer's tick still waits on /proc
    const read = monitor.fresh()
    await flush()
    expect(releases).toHaveLength(1)
    releases.shift()?.()
    await flush()
    releases.shift()?.()
    await read
    expect(most).toBe(1)
    expect(monitor.latest('api', 0, 100)).toMatchObject({ memory: MB })
    monitor.stop()
  })
})
