// Figure: resident memory of the daemon while it supervises 4 idle workers.
import { pidOnPort } from '../lib/http-poll.mjs'
import { childPids, readRssKb } from '../lib/proc.mjs'
import { now, sleep } from '../lib/timing.mjs'

// Both daemons shrink (GC, heap trimming) some 15-20 s after their workers come up: measure after.
const SETTLE_MS = 20_000
const SAMPLE_EVERY_MS = 1000

export const daemonRss = {
  id: 'daemon-rss',
  number: 4,
  title: 'Daemon RSS with 4 idle workers',
  unit: 'MiB',
  phase: 'warm',
  aim: {
    text: 'sup ≤ 1.3x floor and < PM2',
    needs: ['sup', 'pm2', 'floor'],
    isMet: ({ sup, pm2, floor }) => sup <= 1.3 * floor && sup < pm2
  },
  method: 'VmRSS from /proc/<pid>/status of the daemon (sup: `$SUP_HOME/sup.pid`; PM2: the God ' +
    'daemon, `$PM2_HOME/pm2.pid`; floor: a bare `node -e \'setInterval(()=>{},1e3)\'`). Measured ' +
    'first on fresh clusters, once each has been up ≥ 20 s with no traffic (sup\'s and PM2\'s ' +
    'daemons both shrink 15-20 s after start); the repetitions are readings 1 s apart of that one ' +
    'daemon (not separate daemons). Workers are not counted. The daemon\'s other child ' +
    'processes (helpers: sup\'s log keeper, for instance) are reported as a part, with the sum.',
  roundGapMs: SAMPLE_EVERY_MS,
  /** Waits until the cluster has idled SETTLE_MS, then finds the daemon and its helpers. */
  async prepare ({ driver, cluster, readyAt }) {
    const waitMs = readyAt + SETTLE_MS - now()
    if (waitMs > 0) await sleep(waitMs)
    const pid = await driver.daemonPid(cluster)
    if (pid === null) throw new Error('no daemon pid')
    const workers = new Set(await Promise.all(cluster.ports.map(pidOnPort)))
    return { pid, helpers: (await childPids(pid)).filter((p) => !workers.has(p)) }
  },
  /** One reading, in MiB. */
  async sample ({ state }) {
    const daemonMiB = (await readRssKb(state.pid)) / 1024
    const helperMiB = (await Promise.all(state.helpers.map(readRssKb))).reduce((a, b) => a + b, 0) / 1024
    return { value: daemonMiB, parts: { helpers: helperMiB, 'daemon + helpers': daemonMiB + helperMiB } }
  }
}
