// Composition root: the only file that reads env/argv, builds adapters, listens and traps signals.
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { pino } from 'pino'
import { loadDaemonConfig } from './config.ts'
import { createSystemClock } from './adapters/system-clock.ts'
import { createExecaSpawner } from './adapters/execa-spawner.ts'
import { createPortProbe } from './adapters/port-probe.ts'
import { createProcTable } from './adapters/proc-table.ts'
import { openSqliteStore } from './adapters/sqlite-store.ts'
import { acquireHomeLock } from './adapters/home-lock.ts'
import { reapMarked } from './adapters/stray-reaper.ts'
import { createPortBroker } from './runtime/port-broker.ts'
import { createSupervisor } from './runtime/supervisor.ts'
import { buildServer } from './http/server.ts'
import { VERSION } from './version.ts'
import { DEFAULT_TIMING } from './core/app-spec.ts'

async function main (): Promise<void> {
  const config = loadDaemonConfig(process.env)
  mkdirSync(config.home, { recursive: true, mode: 0o700 })
  if ((statSync(config.home).mode & 0o077) !== 0) chmodSync(config.home, 0o700)
  const lock = await acquireHomeLock(config.lockName)
  if (lock === null) {
    process.stderr.write(`sup: a daemon is already running for ${config.home}; this one exits and changes nothing.\n`)
    process.exit(3)
  }
  mkdirSync(config.logsDir, { recursive: true, mode: 0o700 })
  const log = pino({ level: config.logLevel, base: { pid: process.pid } }, pino.destination({ dest: config.daemonLogPath, sync: false, mkdir: true }))
  writeFileSync(`${config.pidPath}.tmp`, `${process.pid}\n`, { mode: 0o644 })
  renameSync(`${config.pidPath}.tmp`, config.pidPath)

  const clock = createSystemClock()
  const procs = createProcTable()
  const probe = createPortProbe()
  const store = openSqliteStore(config.dbPath)
  const baseEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) baseEnv[k] = v

  const supervisor = createSupervisor({
    clock,
    spawner: createExecaSpawner(),
    probe,
    procs,
    store,
    broker: createPortBroker(probe),
    random: Math.random,
    logsDir: config.logsDir,
    markerPrefix: config.markerPrefix,
    baseEnv,
    portPool: config.portPool,
    isFile: async (p) => (await stat(p).catch(() => null))?.isFile() ?? false,
    reapStrays: () => reapMarked(procs, config.markerPrefix, DEFAULT_TIMING.killTimeoutMs),
    onError: (err, where) => log.error({ err, where }, 'supervisor error')
  })

  let stopping = false
  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return
    stopping = true
    log.info({ why }, 'shutting down: stopping every worker')
    await supervisor.shutdown()
    await server.close()
    store.close()
    rmSync(config.socketPath, { force: true })
    rmSync(config.pidPath, { force: true })
    lock.release()
    log.info('stopped')
    log.flush()
    process.exit(0)
  }

  // Requests are logged at info by fastify: keep the daemon log for what matters (warn and up).
  const server = buildServer({ supervisor, version: VERSION, home: config.home, pid: process.pid, logger: log.child({ component: 'http' }, { level: 'warn' }), requestShutdown: () => { void shutdown('shutdown requested') } })
  await supervisor.boot()
  rmSync(config.socketPath, { force: true })
  await server.listen({ path: config.socketPath })
  chmodSync(config.socketPath, 0o600)
  log.info({ home: config.home, version: VERSION }, 'daemon ready')

  process.on('SIGTERM', () => { void shutdown('SIGTERM') })
  process.on('SIGINT', () => { void shutdown('SIGINT') })
  process.on('SIGHUP', () => undefined)
  process.on('SIGPIPE', () => undefined)
}

main().catch((err: unknown) => {
  process.stderr.write(`sup-daemon: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
