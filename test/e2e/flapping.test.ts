// e2e: an app that exits at once backs off with growing delays, lands in errored, stays there, and `sup restart` revives it.
import { describe, expect, it } from 'vitest'
import type { AppView, EventList } from '../../packages/protocol/src/index.ts'
import { FIXTURES, freePortRange, runSup, supJson, useSupHome, waitFor } from '@sup/test-support'

describe('flapping', () => {
  it('grows the delay between attempts, ends errored after max-restarts, and restarts on request', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    const r = await runSup(home, ['start', `${FIXTURES}/exit-at-once.js`, '--name', 'flappy', '--port-range', ports.range,
      '--restart-delay', '50ms', '--max-restarts', '4', '--restart-window', '1m', '--retry-in', '10m'])
    // A start whose workers do not come online is a failure the operator must see.
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/did not come online/)

    await waitFor(async () => (await supJson<AppView>(home, ['show', 'flappy'])).workers[0]?.state === 'errored', { what: 'errored', timeoutMs: 15_000 })
    const { events } = await supJson<EventList>(home, ['events', 'flappy'])
    const delays = events.filter((e) => e.type === 'backoff').map((e) => Number(e.data?.delayMs))
    expect(delays).toHaveLength(4)
    expect(delays[0]).toBe(0)
    for (let i = 2; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1] ?? Infinity)
    const errored = events.filter((e) => e.type === 'errored')
    expect(errored).toHaveLength(1)
    expect(errored[0]?.data).toMatchObject({ code: 3 })
    const starts = events.filter((e) => e.type === 'starting').length

    // No further attempt while errored: poll a few times over ~1 s (bounded), the number of starts does not move.
    for (let i = 0; i < 5; i++) {
      const again = await supJson<EventList>(home, ['events', 'flappy'])
      expect(again.events.filter((e) => e.type === 'starting').length).toBe(starts)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }

    expect((await runSup(home, ['restart', 'flappy'])).code).toBe(0)
    await waitFor(async () => {
      const { events: later } = await supJson<EventList>(home, ['events', 'flappy'])
      return later.filter((e) => e.type === 'starting').length > starts
    }, { what: 'a new attempt after sup restart' })
  })
})
