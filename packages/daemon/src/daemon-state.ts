// The daemon's home, its own log and its state: the lock, daemon.log and sup.pid, sup.db with its apps.json mirror.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { pino, type Logger } from 'pino'
import { HomeError, type DaemonConfig } from './config.ts'
import type { BootSettings } from './settings/boot.ts'
import { openSqliteStore } from './adapters/sqlite-store.ts'
import { acquireHomeLock, type HomeLock } from './adapters/home-lock.ts'
import type { DatabaseCheck } from './adapters/state-check.ts'
import { withAppsMirror } from './adapters/apps-mirror.ts'
import { recoverLostState } from './adapters/state-recovery.ts'
import { openRotatingFile } from './logs/index.ts'
import { DEFAULT_LOGS } from './core/defaults.ts'
import type { StateStore } from './core/ports.ts'

export type RotatingLog = ReturnType<typeof openRotatingFile>

/** The home directory is ours alone (0700) and one daemon holds it; a second one exits at once and changes nothing. */
export async function lockHome (config: DaemonConfig): Promise<HomeLock> {
  try {
    mkdirSync(config.home, { recursive: true, mode: 0o700 })
    if ((statSync(config.home).mode & 0o077) !== 0) chmodSync(config.home, 0o700)
  } catch (err) {
    // a part of it is a file, or this user may not make or own it: the operator's to fix, said in one line
    throw new HomeError(`cannot use SUP_HOME ${config.home}: ${err instanceof Error ? err.message : String(err)}; set SUP_HOME to a directory this user can write`)
  }
  const lock = await acquireHomeLock(config.lockPath)
  if (lock === null) {
    process.stderr.write(`sup: a daemon is already running for ${config.home}; this one exits and changes nothing.\n`)
    process.exit(3)
  }
  return lock
}

/** The daemon's own log, rotated like a worker's (10 MiB x 5), and sup.pid. */
export function openDaemonLog (config: DaemonConfig): { log: Logger; daemonLog: RotatingLog } {
  mkdirSync(config.logsDir, { recursive: true, mode: 0o700 })
  const daemonLog = openRotatingFile(config.daemonLogPath, { maxSize: DEFAULT_LOGS.maxSize, files: DEFAULT_LOGS.files })
  const log = pino({ level: config.logLevel, base: { pid: process.pid } }, { write: (line: string) => { try { daemonLog.write(Buffer.from(line)) } catch { /* disk full: the daemon goes on */ } } })
  writeFileSync(`${config.pidPath}.tmp`, `${process.pid}\n`, { mode: 0o644 })
  renameSync(`${config.pidPath}.tmp`, config.pidPath)
  return { log, daemonLog }
}

/**
 * Removes sup.sock and sup.pid at exit, while sup.pid still names this process. A home deleted under a running
 * daemon (`rm -rf ~/.sup`) takes its lock along, so a new daemon can start there; the old one's exit must not
 * remove the new one's socket and pid file, which left the new daemon running with no way to reach it.
 */
export function removeRunFiles (config: Pick<DaemonConfig, 'socketPath' | 'pidPath'>, pid: number = process.pid): void {
  let named: string
  try { named = readFileSync(config.pidPath, 'utf8').trim() } catch { return }
  if (named !== String(pid)) return
  rmSync(config.socketPath, { force: true })
  rmSync(config.pidPath, { force: true })
}

/** Records an event of the daemon's own (nginx, deploys, lost state); a store that cannot write is logged, never fatal. */
export function recordOn (store: StateStore, log: Logger, what: string) {
  return (app: string, type: string, reason: string, data: Record<string, unknown> | null = null): void => {
    try { store.addEvent({ time: Date.now(), app, instance: null, type, from: null, to: null, reason, data }) } catch (err) { log.error({ err }, `cannot record ${what}`) }
  }
}

/** sup.db with its apps.json mirror; a database found missing or damaged is rebuilt from the mirror and said so. */
export function openState (config: DaemonConfig, dbCheck: DatabaseCheck, log: Logger): StateStore & { syncMirror (): void; close (): void } {
  const mirrorPath = `${config.home}/apps.json`
  const store = withAppsMirror(openSqliteStore(config.dbPath), mirrorPath, (err) => log.error({ err }, 'cannot write apps.json'))
  const lost = recoverLostState(dbCheck, store, mirrorPath, config.markerPrefix, Date.now())
  if (lost !== null) {
    log.error(lost.data, `state-lost: ${lost.reason}`)
    recordOn(store, log, 'the state-lost event')('*', 'state-lost', lost.reason, lost.data)
  }
  store.syncMirror()
  return store
}

/** `{ [key]: value }` when the variable is set, else nothing. */
export function pick (env: Readonly<Record<string, string | undefined>>, key: string): Record<string, string> {
  const v = env[key]
  return v === undefined ? {} : { [key]: v }
}

/** Settings found only in the environment are written to config.json once (an upgrade), and what was ignored is said. */
export function recordSettingsAtBoot (settings: BootSettings, dbCheck: DatabaseCheck, record: ReturnType<typeof recordOn>, log: Logger): void {
  // whether sup.db existed is read before this daemon opened (and so created) it
  const migrated = settings.persistFirstFile(dbCheck.status === 'ok' || dbCheck.status === 'corrupt')
  if (migrated.length > 0) record('*', 'config-migrated', `settings found only in the environment were written to ${settings.configPath}: ${migrated.join(', ')}`, { keys: migrated })
  for (const problem of settings.problems) { log.warn(problem); record('*', 'config-ignored', problem, null) }
}
