// Figure: SIGKILL of a worker until its port answers from a new pid.
import { pidOnPort, waitForAnswer } from '../lib/http-poll.mjs'
import { now, sleep } from '../lib/timing.mjs'

const DEADLINE_MS = 15_000
// sup's default --min-uptime is 10 s: a worker up that long gets an immediate first restart
// (no backoff). Kill each worker only once it has been up at least this long, for every tool.
const MIN_UP_MS = 11_000

export const killRecovery = {
  id: 'kill-recovery',
  number: 2,
  title: 'SIGKILL of a worker until its port answers from a new pid',
  unit: 'ms',
  phase: 'warm',
  aim: { text: 'sup ≤ 1.2x floor', needs: ['sup', 'floor'], isMet: ({ sup, floor }) => sup <= 1.2 * floor },
  method: 'On a running 4-worker cluster, the workers are killed in turn (worker k in repetition k ' +
    'mod 4), each only after it has been up ≥ 11 s, so every kill is a first restart after a ' +
    'stable run (no backoff). The clock starts just before `process.kill(pid, "SIGKILL")` and stops ' +
    'at the first `GET /` on that port answered by a different pid (polled every 5 ms). Floor: the ' +
    'app\'s own spawn-to-listening time: the old process is killed and reaped off the clock, then ' +
    'the clock runs from spawning `node server.js` on the same port until it answers.',
  prepare ({ cluster, readyAt }) {
    return { upSince: new Map(cluster.ports.map((p) => [p, readyAt])) }
  },
  /** One kill and recovery; resolves its duration in ms. */
  async sample ({ driver, cluster, state, rep }) {
    const port = cluster.ports[rep % cluster.ports.length]
    const waitMs = state.upSince.get(port) + MIN_UP_MS - now()
    if (waitMs > 0) await sleep(waitMs)
    const oldPid = await pidOnPort(port)
    if (oldPid === null) throw new Error(`port ${port} does not answer before the kill`)
    const { startedAt } = await driver.killWorker(cluster, { port, pid: oldPid })
    const { at } = await waitForAnswer(port, startedAt + DEADLINE_MS, { accept: (pid) => pid !== oldPid })
    state.upSince.set(port, at)
    return { value: at - startedAt }
  }
}
