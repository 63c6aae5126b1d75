// Figures: SIGKILL of the daemon until a new daemon has re-adopted every worker (4 and 100 workers).
import { HELLO } from '../lib/apps.mjs'
import { pidOnPort, waitForAllAnswer, waitForAnswer } from '../lib/http-poll.mjs'
import { isAlive } from '../lib/proc.mjs'
import { deadlineIn, now, sleep } from '../lib/timing.mjs'

const START_DEADLINE_MS = 90_000
const RECOVER_DEADLINE_MS = 30_000
const RELIST_MS = 20

/** Whether `workers` (in instance order) are all online, with exactly these pids. */
const isSame = (workers, pids) => workers.length === pids.length && workers.every((w, i) => w.state === 'online' && w.pid === pids[i])

const describe = (workers) => workers.map((w) => `${w.pid}:${w.state}`).join(', ')

/**
 * sup: SIGKILL of the daemon, then at once `sup list --json` (which starts a new daemon); the clock stops
 * when a list answers with every worker online under its old pid (listed again every 20 ms until then).
 */
async function readopt ({ driver, cluster }) {
  const before = (await driver.listWorkers(cluster)).workers
  const pids = before.map((w) => w.pid)
  if (!isSame(before, pids)) throw new Error(`not all online before the kill: ${describe(before)}`)
  const { startedAt, wallAt, pid: oldDaemon } = await driver.killDaemon(cluster)
  const first = await driver.recover(cluster)
  let workers = first.workers
  let lists = 1
  while (!isSame(workers, pids)) {
    if (now() > startedAt + RECOVER_DEADLINE_MS) throw new Error(`not re-adopted within ${RECOVER_DEADLINE_MS / 1000} s: ${describe(workers)} (before: ${pids.join(', ')})`)
    await sleep(RELIST_MS)
    workers = (await driver.listWorkers(cluster)).workers
    lists++
  }
  const at = now()
  // Off the clock: a new daemon answered, and each port is still served by the same pid.
  const daemon = await driver.daemonPid(cluster)
  if (daemon === oldDaemon) throw new Error('sup.pid still names the killed daemon')
  const serving = await Promise.all(cluster.ports.map(pidOnPort))
  const lost = serving.filter((p) => !pids.includes(p))
  if (lost.length > 0) throw new Error(`ports answered by pids ${lost.join(', ')} after the re-adoption, not the old ones`)
  // Where the time went, from the new daemon's own log (wall clock, ms precision).
  const { restored, ready } = await driver.bootTimes(cluster, daemon)
  const parts = { 'list command': first.ms, lists }
  if (restored !== null) parts['adopted (daemon log)'] = restored - wallAt
  if (ready !== null) parts['listening (daemon log)'] = ready - wallAt
  return { value: at - startedAt, parts }
}

/**
 * PM2, for context only: its workers die with God. SIGKILL of God (after `pm2 save`, off the clock), then
 * at once `pm2 resurrect`, until every port answers from a new pid.
 */
async function resurrect ({ driver, cluster, warn }) {
  const old = new Set((await driver.listWorkers(cluster)).workers.map((w) => w.pid))
  const { startedAt } = await driver.killDaemon(cluster)
  const r = await driver.recover(cluster)
  const deadline = startedAt + RECOVER_DEADLINE_MS
  const answers = await Promise.all(cluster.ports.map((p) => waitForAnswer(p, deadline, { accept: (pid) => !old.has(pid) })))
  const at = Math.max(...answers.map((a) => a.at))
  const survivors = []
  for (const pid of old) if (await isAlive(pid)) survivors.push(pid)
  if (survivors.length > 0) warn(`PM2: worker pid(s) ${survivors.join(', ')} outlived the SIGKILL of God`)
  return { value: at - startedAt, parts: { 'resurrect command': r.ms } }
}

function readoptFigure ({ id, number, instances, tools }) {
  // 100 node processes starting at once on a small machine take longer than sup's default 8 s listen timeout.
  const app = instances > 4 ? { ...HELLO, sup: ['--listen-timeout', '60s'] } : HELLO
  return {
    id,
    number,
    title: `SIGKILL of the daemon until a new one has re-adopted all ${instances} workers`,
    unit: 'ms',
    phase: 'own',
    instances,
    tools,
    partUnits: { lists: '' },
    incomparable: {
      pm2: {
        text: 'n/a — workers die with the daemon',
        context: 'SIGKILL of God + `pm2 resurrect` until the 4 ports answer from new pids'
      },
      floor: { text: 'n/a — no daemon' }
    },
    aim: {
      text: 'every worker re-adopted (same pid, online) in every repetition; the issue sets no time target',
      needs: ['sup'],
      isMet: ({ sup }, r) => Number.isFinite(sup) && !r.sup.error
    },
    method: `One cluster of ${instances} workers (\`examples/hello/server.js\`, \`sup start -n ${instances} --port-range A-B` +
      `${instances > 4 ? ' --listen-timeout 60s' : ''}\`), up and answering before the first repetition and kept across ` +
      'them. Each repetition lists the workers (`sup list --json`, off the clock; all must be online), then ' +
      'the clock starts just before `process.kill(<sup.pid>, "SIGKILL")`, `sup list --json` is spawned at ' +
      'once (no daemon answers, so it starts one, which re-adopts the running workers before it listens) and ' +
      'the clock stops when a list has answered with every worker `online` under the pid it had before ' +
      '(the first list does, in practice; otherwise `list --json` again every 20 ms). Off the clock, sup.pid must ' +
      'name a new daemon and every port must still be served by its old pid. Parts: the list command\'s own ' +
      'spawn-to-exit time, how many lists it took, and from the new daemon\'s daemon.log (wall clock, ms) when ' +
      'it had adopted the workers (`state restored`) and when it listened (`daemon ready`), counted from the ' +
      'kill. The next repetition kills ' +
      `that new daemon. ${instances === 4
        ? 'PM2 has no equivalent (when God dies its workers die too; checked each time): for context only, ' +
          'the same SIGKILL of God on a 4-worker cluster (after `pm2 save`, off the clock), then at once ' +
          '`pm2 resurrect`, until all 4 ports answer from new pids.'
        : 'PM2 has no equivalent (its workers die with God).'}`,
    async prepare ({ driver, instances: n, ports, warn }) {
      const cluster = await driver.prepare({ instances: n, ports, app })
      try {
        await driver.start(cluster)
        await waitForAllAnswer(ports, deadlineIn(START_DEADLINE_MS))
        return { cluster }
      } catch (e) {
        for (const w of await driver.stop(cluster)) warn(w)
        throw e
      }
    },
    sample ({ driver, state, warn }) {
      return driver.id === 'pm2' ? resurrect({ driver, cluster: state.cluster, warn }) : readopt({ driver, cluster: state.cluster })
    },
    teardown ({ driver, state }) {
      return driver.stop(state.cluster)
    }
  }
}

export const readopt4 = readoptFigure({ id: 'readopt-4', number: 6, instances: 4, tools: ['sup', 'pm2'] })
export const readopt100 = readoptFigure({ id: 'readopt-100', number: 7, instances: 100, tools: ['sup'] })
