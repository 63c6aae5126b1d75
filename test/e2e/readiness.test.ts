// e2e: a worker that never listens is a failed start, never online; --wait-ready waits for process.send('ready').
import { describe, expect, it } from 'vitest'
import type { AppView, EventList } from '../../packages/protocol/src/index.ts'
import { FIXTURES, freePortRange, runSup, supJson, useSupHome, waitFor } from '@sup/test-support'

describe('readiness', () => {
  it('never marks a worker that does not listen as online', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    const r = await runSup(home, ['start', `${FIXTURES}/never-ready.js`, '--name', 'mute', '--port-range', ports.range, '--listen-timeout', '300ms', '--max-restarts', '2', '--restart-delay', '50ms'])
    // A start whose workers do not come online is a failure the operator must see.
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/did not come online/)
    await waitFor(async () => (await supJson<AppView>(home, ['show', 'mute'])).workers[0]?.state === 'errored', { what: 'errored', timeoutMs: 15_000 })
    const { events } = await supJson<EventList>(home, ['events', 'mute'])
    expect(events.some((e) => e.type === 'online')).toBe(false)
    const failed = events.filter((e) => e.type === 'backoff' || e.type === 'errored')
    expect(failed).toHaveLength(3)
    for (const e of failed) expect(e.reason).toMatch(/not ready within 300 ms: it listens on no TCP port/)
  })

  it('says where a worker that never got ready listens instead of its PORT', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const r = await runSup(home, ['start', `${FIXTURES}/listens-elsewhere.js`, '--name', 'own', '--port-range', `${ports.from}-${ports.from}`, '--env', `OWN_PORT=${ports.to}`, '--listen-timeout', '1s', '--restart', 'never'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`did not come online (exited): not ready within 1000 ms: it listens on 127.0.0.1:${ports.to}, not on its PORT ${ports.from} (listen on process.env.PORT)`)
  })

  it('with --wait-ready, is online only after the app sends ready', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    const r = await runSup(home, ['start', `${FIXTURES}/hello-ready.js`, '--name', 'polite', '--port-range', ports.range, '--wait-ready', '--env', 'READY_DELAY_MS=300'])
    expect(r.code, r.stderr).toBe(0)
    const { events } = await supJson<EventList>(home, ['events', 'polite'])
    const starting = events.find((e) => e.type === 'starting')
    const online = events.find((e) => e.type === 'online')
    expect(online).toBeDefined()
    expect((online?.time ?? 0) - (starting?.time ?? 0)).toBeGreaterThanOrEqual(250)
  })
})
