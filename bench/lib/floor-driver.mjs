// The physical floor: what node itself costs, with no supervisor in between.
import { closeSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { HELLO } from './apps.mjs'
import { endPids, signal, spawnNode, waitForDeath } from './proc.mjs'
import { reap } from './reap.mjs'
import { makeTempHome, removeTempHome } from './temp-home.mjs'
import { deadlineIn, now, sleep } from './timing.mjs'

const IDLE_SETTLE_MS = 2000

/**
 * createFloorDriver({ root, janitor }): the same interface as the tools' drivers, where the
 * "workers" are plain `node <script>` children and the "daemon" is a bare idle node process.
 * With an app that keepsOutput, the least a log collector can do: each worker's stdout and stderr
 * are one pipe into a `cat` of its own (started by boot()), appending to a file.
 */
export function createFloorDriver ({ root, janitor }) {
  const logPath = (cluster, i) => join(cluster.logDir, `${cluster.app.name}-${i}.log`)

  /** One `cat >> <app>-<i>.log` per worker, reading a pipe the worker will write to. */
  function spawnCollectors (cluster) {
    cluster.cats = cluster.ports.map((_, i) => {
      const fd = openSync(logPath(cluster, i), 'a')
      try {
        const cat = spawn('cat', [], { stdio: ['pipe', fd, 'ignore'] })
        cat.on('error', () => {})
        return cat
      } finally {
        closeSync(fd)
      }
    })
  }

  function spawnWorker (cluster, i) {
    const env = { ...process.env, ...cluster.app.env, PORT: String(cluster.ports[i]), NODE_APP_INSTANCE: String(i) }
    const script = join(root, cluster.app.script)
    if (!cluster.app.keepsOutput) return spawnNode([script], { env, cwd: root })
    if (cluster.cats.length === 0) spawnCollectors(cluster)
    const pipe = cluster.cats[i].stdin
    const child = spawn(process.execPath, [script], { env, cwd: root, stdio: ['ignore', pipe, pipe] })
    child.on('error', () => {})
    pipe.destroy() // the worker holds the write end now: cat ends when the worker does
    return child
  }

  async function stop (cluster) {
    cluster.unregister()
    const pids = [cluster.idle, ...cluster.workers.values(), ...cluster.cats].filter(Boolean).map((c) => c.pid)
    await endPids(pids)
    const warnings = await reap({ tool: 'floor', pids, ports: cluster.ports, waitMs: 1000 })
    if (cluster.logDir) await removeTempHome(cluster.logDir)
    return warnings
  }

  return {
    id: 'floor',
    label: 'floor',
    async check () {},
    async version () { return process.version },
    async prepare ({ instances, ports, app = HELLO }) {
      const cluster = { ports, instances, app, workers: new Map(), cats: [], idle: null, logDir: null, unregister: () => {} }
      cluster.unregister = janitor.add('floor processes', () => stop(cluster))
      if (app.keepsOutput) cluster.logDir = await makeTempHome('floor-bench')
      return cluster
    },
    /** Spawns one `node <script>` per port; resolves at once (spawn is the whole "command"). */
    async start (cluster) {
      cluster.ports.forEach((p, i) => cluster.workers.set(p, spawnWorker(cluster, i)))
    },
    /** No supervisor; for an app that keepsOutput, the `cat` collectors. */
    async boot (cluster) {
      if (cluster.app.keepsOutput) spawnCollectors(cluster)
    },
    /** The `cat` collectors, if any. */
    async supervisorPids (cluster) { return cluster.cats.map((c) => c.pid) },
    /** The files the `cat` collectors append to (apps that keepsOutput), the app's bytes as written. */
    logFiles (cluster) {
      return Array.from({ length: cluster.instances }, (_, i) => ({ path: logPath(cluster, i), format: 'raw' }))
    },
    /**
     * The floor of a restart is the app's own spawn-to-listening time: kill and reap the old
     * process first (untimed), then start the clock just before spawning its replacement.
     */
    async killWorker (cluster, { port }) {
      const old = cluster.workers.get(port)
      signal(old.pid, 'SIGKILL')
      if (!(await waitForDeath([old.pid], deadlineIn(5000)))) throw new Error(`floor: pid ${old.pid} survived SIGKILL`)
      const startedAt = now()
      cluster.workers.set(port, spawnWorker(cluster, cluster.ports.indexOf(port)))
      return { startedAt }
    },
    listCommand () {
      return { file: process.execPath, args: ['-e', ''], env: process.env, check: () => {} }
    },
    /** A bare `node -e 'setInterval(()=>{},1e3)'`, spawned on first use and given 2 s to settle. */
    async daemonPid (cluster) {
      if (!cluster.idle) {
        cluster.idle = spawnNode(['-e', 'setInterval(() => {}, 1e3)'])
        await sleep(IDLE_SETTLE_MS)
      }
      return cluster.idle.pid
    },
    stop
  }
}
