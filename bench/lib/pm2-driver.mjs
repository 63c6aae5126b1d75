// Drives PM2 (bench/node_modules/pm2) with a fresh PM2_HOME and an ecosystem file per cluster.
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HELLO } from './apps.mjs'
import { pidOnPort } from './http-poll.mjs'
import { childPids, readPidFile, runChecked, runCommand, signal } from './proc.mjs'
import { reap } from './reap.mjs'
import { makeTempHome, removeTempHome } from './temp-home.mjs'
import { now } from './timing.mjs'

const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)))

/**
 * The ecosystem file: fork mode, `instances` copies; PM2 6 gives instance k the env var
 * `increment_var` = env[increment_var] + k (lib/God.js, God.injectVariables).
 */
export function renderEcosystem ({ name = HELLO.name, script, cwd, instances, basePort, env = {}, mode = 'fork', maxMemory = null }) {
  // cluster mode: PM2's master listens on PORT for all instances (node:cluster), what `pm2 reload` is for
  const app = mode === 'cluster'
    ? { name, script, cwd, instances, exec_mode: 'cluster', env: { ...env, PORT: basePort }, ...(maxMemory === null ? {} : { max_memory_restart: maxMemory }) }
    : { name, script, cwd, instances, exec_mode: 'fork', increment_var: 'PORT', env: { ...env, PORT: basePort }, ...(maxMemory === null ? {} : { max_memory_restart: maxMemory }) }
  return `module.exports = ${JSON.stringify({ apps: [app] }, null, 2)}\n`
}

/** createPm2Driver({ root, janitor }): PM2 running the app from `root`; interface as in README.md. */
export function createPm2Driver ({ root, janitor }) {
  const bin = join(BENCH_DIR, 'node_modules/pm2/bin/pm2')
  const envFor = (home) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PM2_')))
    return { ...env, PM2_HOME: home, PM2_DISABLE_VERSION_CHECK: '1', NO_COLOR: '1' }
  }
  const pm2 = (home, args, timeoutMs = 30_000) =>
    runChecked(process.execPath, [bin, ...args], { env: envFor(home), cwd: home, timeoutMs })

  /** `pm2 jlist`: { ms (spawn to exit), workers: [{ pid, state }] } of the app, in pm_id order. */
  async function listWorkers (cluster) {
    const r = await pm2(cluster.home, ['jlist'])
    const procs = JSON.parse(r.stdout).filter((p) => p.name === cluster.app.name).toSorted((a, b) => a.pm_id - b.pm_id)
    return { ms: r.ms, workers: procs.map((p) => ({ pid: p.pid, state: p.pm2_env.status })) }
  }

  async function stop (cluster) {
    cluster.unregister()
    const god = await readPidFile(join(cluster.home, 'pm2.pid'))
    const pids = [god, ...(await Promise.all(cluster.ports.map(pidOnPort))), ...(god === null ? [] : await childPids(god))]
    const warnings = []
    const r = await runCommand(process.execPath, [bin, 'kill'], { env: envFor(cluster.home), cwd: cluster.home, timeoutMs: 20_000 })
    if (r.code !== 0) warnings.push(`pm2 kill exited ${r.code ?? r.signal}`)
    warnings.push(...await reap({ tool: 'pm2', pids, ports: cluster.ports }))
    await removeTempHome(cluster.home)
    return warnings
  }

  return {
    id: 'pm2',
    label: 'PM2',
    async check () {
      if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm install\` in bench/`)
    },
    async version () {
      return createRequire(import.meta.url)(join(BENCH_DIR, 'node_modules/pm2/package.json')).version
    },
    /** A fresh PM2_HOME (no God daemon yet) holding the ecosystem file of `app` (lib/apps.mjs), registered for cleanup. */
    async prepare ({ instances, ports, app = HELLO, mode = 'fork' }) {
      const home = await makeTempHome('pm2-bench')
      const cluster = { home, ports, instances, app, eco: join(home, 'ecosystem.config.cjs'), unregister: () => {} }
      cluster.unregister = janitor.add(`pm2 cluster in ${home}`, () => stop(cluster))
      const script = join(root, app.script)
      await writeFile(cluster.eco, renderEcosystem({ name: app.name, script, cwd: dirname(script), instances, basePort: ports[0], env: app.env, mode, maxMemory: app.maxMemory ?? null }))
      return cluster
    },
    /** `pm2 start ecosystem.config.cjs`; resolves when the command has returned. */
    async start (cluster) {
      await pm2(cluster.home, ['start', cluster.eco])
    },
    /** Starts God with no app (`pm2 ping`). */
    async boot (cluster) {
      await pm2(cluster.home, ['ping'])
    },
    /** The processes that do the supervising: God and its children other than workers (none by default). */
    async supervisorPids (cluster) {
      const god = await readPidFile(join(cluster.home, 'pm2.pid'))
      if (god === null) return []
      const workers = new Set((await listWorkers(cluster)).workers.map((w) => w.pid))
      return [god, ...(await childPids(god)).filter((p) => !workers.has(p))]
    },
    /** PM2's default out logs, `$PM2_HOME/logs/<app>-out-<pm_id>.log` (ids 0.. in a fresh home), the app's bytes as written. */
    logFiles (cluster) {
      return Array.from({ length: cluster.instances }, (_, i) => ({ path: join(cluster.home, 'logs', `${cluster.app.name}-out-${i}.log`), format: 'raw' }))
    },
    /** `pm2 save` (off the clock: resurrect needs the dump), then SIGKILL of God; the clock starts just before the signal. */
    async killDaemon (cluster) {
      await pm2(cluster.home, ['save'])
      const pid = await readPidFile(join(cluster.home, 'pm2.pid'))
      if (pid === null) throw new Error('no pm2.pid')
      const startedAt = now()
      signal(pid, 'SIGKILL')
      return { startedAt, pid }
    },
    listWorkers,
    /** `pm2 reload <app>` (cluster mode: one worker at a time behind the shared port); resolves { ms }. */
    async reload (cluster) {
      const r = await pm2(cluster.home, ['reload', cluster.app.name], 120_000)
      return { ms: r.ms }
    },
    /** What brings the apps back after killDaemon: `pm2 resurrect` (a new God restarts the dumped apps). */
    async recover (cluster) {
      const r = await pm2(cluster.home, ['resurrect'])
      return { ms: r.ms }
    },
    async killWorker (cluster, { pid }) {
      const startedAt = now()
      signal(pid, 'SIGKILL')
      return { startedAt }
    },
    listCommand (cluster) {
      return {
        file: process.execPath,
        args: [bin, 'jlist'],
        env: envFor(cluster.home),
        check: (stdout) => {
          const n = JSON.parse(stdout).filter((p) => p.name === cluster.app.name).length
          if (n !== cluster.ports.length) throw new Error(`pm2 jlist shows ${n} processes, expected ${cluster.ports.length}`)
        }
      }
    },
    daemonPid: (cluster) => readPidFile(join(cluster.home, 'pm2.pid')),
    stop
  }
}
