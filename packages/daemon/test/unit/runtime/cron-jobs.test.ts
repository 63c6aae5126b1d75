// PM2's way to run a job on a schedule (`cron_restart` with `autorestart: false`): `--cron-restart` on an app whose
// workers ran to their end under `--restart never|on-failure` runs them again; that is no failed rolling restart.
import { describe, expect, it } from 'vitest'
import type { UsageSampler } from '../../../src/core/ports.ts'
import { startResourceWatch } from '../../../src/runtime/resource-watch.ts'
import { createSup, flush } from './harness.ts'

const sampler: UsageSampler = { sample: async () => new Map() }

describe('a scheduled job', () => {
  it('whose workers ran to their end is run again on schedule: started, not a failed reload, no restart counted', async () => {
    const s = createSup({ files: ['/srv/job.js'] })
    const started = s.sup.createApp({ name: 'job', script: '/srv/job.js', port: false, instances: 2, restart: 'never', cronRestart: '*/10 * * * * *' }, true)
    await flush(20)
    for (const p of s.spawner.procs) p.exit({ code: 0 })
    await started
    expect(s.sup.getApp('job').workers.map((w) => w.state)).toEqual(['exited', 'exited'])
    const watch = startResourceWatch({ clock: s.clock, sampler, supervisor: s.sup, onError: (err) => { throw err } })
    // each run of the job ends at once, with code 0
    for (let t = 0; t < 15_000; t += 250) {
      s.clock.advance(250)
      await flush(20)
      for (const p of s.spawner.procs) if (!p.hasExited) p.exit({ code: 0 })
      await flush(20)
    }
    watch.stop()
    expect(s.spawner.procs).toHaveLength(4)
    const events = s.sup.events({ app: 'job', limit: 100 })
    expect(events.map((e) => e.type)).not.toContain('reload-failed')
    expect(events.map((e) => e.type)).not.toContain('cron-restart-failed')
    expect(events.find((e) => e.type === 'cron-restart')?.reason).toBe('scheduled rolling restart (*/10 * * * * *): workers 0, 1 not running, started again')
    expect(s.sup.getApp('job').workers.map((w) => [w.state, w.restarts, w.lastExit?.code])).toEqual([['exited', 0, 0], ['exited', 0, 0]])
  })
})
