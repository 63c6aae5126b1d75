// Scheduled rolling restarts on a fake clock: fired when the cron expression says, re-armed, disarmed with the app.
import { describe, expect, it } from 'vitest'
import { createCronRestarts, type CronApp } from '../../../src/runtime/cron-restarts.ts'
import { nextCronTime } from '../../../src/core/cron.ts'
import { createFakeClock } from '../../../../../test/support/src/fake-clock.ts'
import { flush } from '../../../../../test/support/src/wait.ts'

function setup (apps: CronApp[]) {
  const clock = createFakeClock(0, Date.UTC(2026, 0, 1, 10, 7, 30))
  const restarts: Array<{ app: string; at: number }> = []
  let wanted = apps
  const cron = createCronRestarts({
    clock,
    apps: () => wanted,
    restart: async (a) => { restarts.push({ app: a.name, at: clock.wallNow() }) },
    onError: (err) => { throw err }
  })
  cron.sync()
  return { clock, cron, restarts, setApps: (a: CronApp[]) => { wanted = a } }
}

describe('cron restarts', () => {
  it('restarts at each time the expression names, and only then', async () => {
    const t = setup([{ name: 'api', cron: '*/5 * * * *' }])
    const first = nextCronTime('*/5 * * * *', t.clock.wallNow())
    t.clock.advance(first - t.clock.wallNow() - 1)
    await flush()
    expect(t.restarts).toEqual([])
    t.clock.advance(1)
    await flush()
    expect(t.restarts).toEqual([{ app: 'api', at: first }])
    t.clock.advance(5 * 60_000)
    await flush()
    expect(t.restarts.map((r) => r.at)).toEqual([first, first + 5 * 60_000])
  })

  it('waits across days in hour-long timers (no timer overflow) and fires on time', async () => {
    const t = setup([{ name: 'api', cron: '0 3 * * *' }])
    const due = nextCronTime('0 3 * * *', t.clock.wallNow())
    for (let i = 0; i < 30 && t.restarts.length === 0; i++) { t.clock.advance(3_600_000); await flush() }
    expect(t.restarts.map((r) => r.at)).toEqual([due])
  })

  it('an app that no longer wants it (deleted, stopped, expression changed) is disarmed', async () => {
    const t = setup([{ name: 'api', cron: '*/5 * * * *' }])
    t.setApps([])
    t.cron.sync()
    expect(t.clock.pending()).toBe(0)
    t.clock.advance(3_600_000)
    await flush()
    expect(t.restarts).toEqual([])
    t.setApps([{ name: 'api', cron: '0 * * * *' }])
    t.cron.sync()
    expect([...t.cron.nextRuns().keys()]).toEqual(['api'])
  })
})
