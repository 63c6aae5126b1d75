// Drives sup through its CLI (node packages/cli/bin/sup.js) with a fresh SUP_HOME per cluster.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HELLO } from './apps.mjs'
import { pidOnPort } from './http-poll.mjs'
import { childPids, isAlive, readPidFile, runChecked, runCommand, signal } from './proc.mjs'
import { reap } from './reap.mjs'
import { makeTempHome, removeTempHome } from './temp-home.mjs'
import { deadlineIn, now, sleep } from './timing.mjs'

const LOGD_DEADLINE_MS = 5000

/**
 * createSupDriver({ root, supRoot, janitor }): sup's CLI from `supRoot` (a built checkout,
 * default `root`) running the app from `root`. Interface: see figures/index.mjs and README.md.
 */
export function createSupDriver ({ root, supRoot = root, janitor }) {
  const bin = join(supRoot, 'packages/cli/bin/sup.js')
  /** Extra daemon environment by home (e.g. the nginx commands of the reload figure). */
  const extraEnv = new Map()
  const envFor = (home) => ({ ...process.env, ...extraEnv.get(home), SUP_HOME: home, NO_COLOR: '1' })
  const sup = (home, args, timeoutMs = 30_000) =>
    runChecked(process.execPath, [bin, ...args], { env: envFor(home), cwd: root, timeoutMs })

  async function workerPids (cluster) {
    try {
      const { stdout } = await sup(cluster.home, ['list', '--json'], 10_000)
      return JSON.parse(stdout).apps.flatMap((a) => a.workers.map((w) => w.pid)).filter(Boolean)
    } catch {
      return Promise.all(cluster.ports.map(pidOnPort))
    }
  }

  /** `sup list --json`: { ms (spawn to exit), workers: [{ pid, state }] }. Starts a daemon when none runs. */
  async function listWorkers (cluster) {
    const r = await sup(cluster.home, ['list', '--json'])
    return { ms: r.ms, workers: workersOf(cluster, r.stdout) }
  }

  /** The app's workers in `sup list --json`, in instance order: [{ pid, state }]. */
  function workersOf (cluster, stdout) {
    const app = JSON.parse(stdout).apps.find((a) => a.name === cluster.app.name)
    return (app?.workers ?? []).toSorted((a, b) => a.instance - b.instance).map((w) => ({ pid: w.pid, state: w.state }))
  }

  async function stop (cluster) {
    cluster.unregister()
    // Workers first: `list` may start a daemon when none answers, and its pid must be known.
    const workers = await workerPids(cluster)
    const daemon = await readPidFile(join(cluster.home, 'sup.pid'))
    // sup-logd is the daemon's child, unless an earlier daemon (killed since) started it.
    const logd = await readPidFile(join(cluster.home, 'logd.pid'))
    const pids = [daemon, logd, ...workers, ...(daemon === null ? [] : await childPids(daemon))]
    const warnings = []
    const r = await runCommand(process.execPath, [bin, 'kill'], { env: envFor(cluster.home), cwd: root, timeoutMs: 20_000 })
    if (r.code !== 0) warnings.push(`sup kill exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').pop()}`)
    warnings.push(...await reap({ tool: 'sup', pids, ports: cluster.ports }))
    await removeTempHome(cluster.home)
    return warnings
  }

  return {
    id: 'sup',
    label: 'sup',
    /** Throws unless the built CLI answers `list --json` (which starts a daemon in a temp home). */
    async check () {
      if (!existsSync(bin)) throw new Error(`${bin} is missing`)
      const home = await makeTempHome('sup-bench')
      const cluster = { home, ports: [], unregister: () => {} }
      try {
        const { stdout } = await sup(home, ['list', '--json'], 20_000)
        if (!Array.isArray(JSON.parse(stdout).apps)) throw new Error('`sup list --json` has no apps array')
      } finally {
        await stop(cluster)
      }
    },
    async version () {
      const r = await runCommand(process.execPath, [bin, '--version'], { timeoutMs: 10_000 })
      return r.code === 0 ? r.stdout.trim() : 'unknown'
    },
    /** A fresh SUP_HOME (no daemon yet) for `app` (lib/apps.mjs), registered for cleanup. */
    async prepare ({ instances, ports, app = HELLO }) {
      const home = await makeTempHome('sup-bench')
      const cluster = { home, ports, instances, app, unregister: () => {} }
      cluster.unregister = janitor.add(`sup cluster in ${home}`, () => stop(cluster))
      return cluster
    },
    /** `sup start <script> -n N --port-range A-B --name <app>` (+ the app's --env and sup options); resolves when it returned. */
    async start (cluster) {
      const { app } = cluster
      const range = `${cluster.ports[0]}-${cluster.ports[cluster.ports.length - 1]}`
      const env = Object.entries(app.env).flatMap(([k, v]) => ['--env', `${k}=${v}`])
      await sup(cluster.home, ['start', join(root, app.script), '-n', String(cluster.instances), '--port-range', range, '--name', app.name, ...env, ...app.sup], 300_000)
    },
    /** Starts the daemon with no app (`sup list --json`) and waits for its sup-logd (pid file, live). */
    async boot (cluster) {
      await sup(cluster.home, ['list', '--json'])
      const deadline = deadlineIn(LOGD_DEADLINE_MS)
      for (;;) {
        const logd = await readPidFile(join(cluster.home, 'logd.pid'))
        if (logd !== null && (await isAlive(logd))) return
        if (now() > deadline) throw new Error('sup-logd did not start within 5 s')
        await sleep(20)
      }
    },
    /** The processes that do the supervising: the daemon and sup-logd. */
    async supervisorPids (cluster) {
      const pids = await Promise.all(['sup.pid', 'logd.pid'].map((f) => readPidFile(join(cluster.home, f))))
      return pids.filter((p) => p !== null)
    },
    /** Each worker's log file, in sup's record format (docs/logs.md). */
    logFiles (cluster) {
      return Array.from({ length: cluster.instances }, (_, i) => ({ path: join(cluster.home, 'logs', `${cluster.app.name}-${i}.log`), format: 'sup' }))
    },
    /** SIGKILLs the daemon (pid from sup.pid); the clock starts just before the signal (wallAt: Date.now() then). */
    async killDaemon (cluster) {
      const pid = await readPidFile(join(cluster.home, 'sup.pid'))
      if (pid === null) throw new Error('no sup.pid')
      const wallAt = Date.now()
      const startedAt = now()
      signal(pid, 'SIGKILL')
      return { startedAt, wallAt, pid }
    },
    /**
     * When the daemon `pid` logged `state restored` (workers adopted) and `daemon ready` (listening), in
     * epoch ms, from daemon.log (pino lines); null for what is not there.
     */
    async bootTimes (cluster, pid) {
      const times = { restored: null, ready: null }
      const text = await readFile(join(cluster.home, 'daemon.log'), 'utf8').catch(() => '')
      for (const line of text.split('\n')) {
        if (!line.includes(`"pid":${pid},`)) continue
        try {
          const rec = JSON.parse(line)
          if (rec.msg === 'state restored') times.restored = rec.time
          if (rec.msg === 'daemon ready') times.ready = rec.time
        } catch { /* a line being written */ }
      }
      return times
    },
    /** Extra environment for the commands of this cluster, hence for the daemon the next one starts. */
    setEnv (cluster, env) {
      extraEnv.set(cluster.home, { ...extraEnv.get(cluster.home), ...env })
    },
    listWorkers,
    /** `sup reload <app>` (zero-downtime, one worker at a time); resolves { ms } when the command returned. */
    async reload (cluster) {
      const r = await sup(cluster.home, ['reload', cluster.app.name], 120_000)
      return { ms: r.ms }
    },
    /** What brings the workers back under a daemon after killDaemon: any command, here `sup list --json`. */
    recover: listWorkers,
    /** SIGKILLs a worker; the clock starts just before the signal. */
    async killWorker (cluster, { pid }) {
      const startedAt = now()
      signal(pid, 'SIGKILL')
      return { startedAt }
    },
    listCommand (cluster) {
      return {
        file: process.execPath,
        args: [bin, 'list', '--json'],
        env: envFor(cluster.home),
        check: (stdout) => {
          const n = workersOf(cluster, stdout).length
          if (n !== cluster.ports.length) throw new Error(`sup list --json shows ${n} workers, expected ${cluster.ports.length}`)
        }
      }
    },
    daemonPid: (cluster) => readPidFile(join(cluster.home, 'sup.pid')),
    stop
  }
}
