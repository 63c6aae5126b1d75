// sup-logd, the log collector process (docs/logs.md): one per SUP_HOME, started and watched by the daemon.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createLineLogger as pino, type LineLogger as Logger } from './logs/line-logger.ts'
import { homeLayout } from './home-layout.ts'
import { acquireLogdLock, LOGD_EXIT_STALE_LOCK } from './adapters/logd-lock.ts'
import { openSqliteStore } from './adapters/sqlite-store.ts'
import type { EventInput, StateStore } from './core/ports.ts'
import { createLogCollector, openRotatingFile, type LogCollectorEvent } from './logs/index.ts'

/** sup-logd's own log is small: it only says when something went wrong. */
const LOGD_LOG_LIMITS = { maxSize: 1024 * 1024, files: 3 }
/** Events waiting for sup.db to take them (it may be on the very disk that is full); older ones are dropped beyond. */
const MAX_PENDING_EVENTS = 100
const EVENT_RETRY_MS = 1_000

interface EventRecorder { record (e: LogCollectorEvent): void; close (): void }

/** Records the collector's events in sup.db, opened on first use; failed inserts are retried every second. */
function createEventRecorder (dbPath: string, log: Logger): EventRecorder {
  let store: StateStore | null = null
  const pending: EventInput[] = []
  let timer: NodeJS.Timeout | null = null
  const drain = (): void => {
    timer = null
    try {
      store ??= openSqliteStore(dbPath)
      while (pending.length > 0) {
        const e = pending[0] as EventInput
        store.addEvent(e)
        pending.shift()
      }
    } catch (err) {
      log.warn({ err, pending: pending.length }, 'cannot record events yet; retrying')
      timer = setTimeout(drain, EVENT_RETRY_MS)
      timer.unref()
    }
  }
  return {
    record (e) {
      pending.push({ time: Date.now(), app: e.app, instance: e.instance, type: e.type, from: null, to: null, reason: e.reason, data: e.data })
      if (pending.length > MAX_PENDING_EVENTS) pending.shift()
      log.warn({ app: e.app, instance: e.instance, type: e.type, data: e.data }, e.reason)
      if (timer === null) drain()
    },
    close () {
      if (timer !== null) clearTimeout(timer)
      if (pending.length > 0) drain()
      if (timer !== null) clearTimeout(timer)
      store?.close()
    }
  }
}

function writePidFile (path: string): void {
  writeFileSync(`${path}.tmp`, `${process.pid}\n`, { mode: 0o644 })
  renameSync(`${path}.tmp`, path)
}

function removePidFile (path: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true })
  } catch { /* already gone */ }
}

async function main (): Promise<void> {
  // Stop signals are heard from before the lock is taken: one that comes while sup-logd opens its files waits for that to
  // finish, then stops it cleanly (the default action killed it holding its lock, which left the lock stale).
  let stopRequested: string | null = null
  let stop = (why: string): void => { stopRequested ??= why }
  process.on('SIGTERM', () => { stop('SIGTERM') })
  process.on('SIGINT', () => { stop('SIGINT') })
  const config = homeLayout(process.env)
  mkdirSync(config.home, { recursive: true, mode: 0o700 })
  const attempt = acquireLogdLock({ lockPath: config.logdLockPath, pidPath: config.logdPidPath })
  if (attempt.status === 'held') process.exit(0) // another sup-logd collects for this SUP_HOME: nothing to do
  if (attempt.status === 'stale') {
    // never removed here: only the daemon clears a stale lock (it is the one process that may, docs/security.md)
    process.stderr.write(`sup-logd: ${config.logdLockPath} is stale (its holder is dead); the daemon clears it and starts sup-logd again\n`)
    process.exit(LOGD_EXIT_STALE_LOCK)
  }
  const lock = attempt.lock
  process.on('exit', () => lock.release()) // on every exit, a crash included (it removes the file only if it names us)
  mkdirSync(config.pipesDir, { recursive: true, mode: 0o700 })
  const logFile = openRotatingFile(`${config.home}/logd.log`, LOGD_LOG_LIMITS)
  const log = pino({ level: config.logLevel, base: { pid: process.pid, component: 'logd' } }, {
    write: (line: string) => { try { logFile.write(Buffer.from(line)) } catch { /* disk full: logd goes on */ } }
  })
  writePidFile(config.logdPidPath)
  const events = createEventRecorder(config.dbPath, log)
  let isStopping = false
  const shutdown = async (why: string): Promise<void> => {
    if (isStopping) return
    isStopping = true
    log.info({ why }, 'stopping: flushing every stream')
    await collector.close()
    log.info(collector.stats(), 'stopped')
    events.close()
    removePidFile(config.logdPidPath)
    lock.release()
    logFile.close()
    process.exit(0)
  }
  const collector = createLogCollector({
    pipesDir: config.pipesDir,
    logsDir: config.logsDir,
    now: () => Date.now(),
    onEvent: (e) => events.record(e),
    onError: (err, where) => log.error({ err, where }, 'collector error'),
    // A SUP_HOME that was removed has no worker left to collect for (and no daemon to stop us): leave. Its pipes
    // directory goes with it, which the collector's watch reports (no timer polls for it: docs/performance.md).
    onPipesDirMissing: () => { if (!existsSync(config.home)) void shutdown('SUP_HOME removed') }
  })
  collector.scan()
  log.info({ home: config.home }, 'sup-logd ready')
  stop = (why) => { void shutdown(why) }
  if (stopRequested !== null) stop(stopRequested)
  process.on('SIGHUP', () => undefined)
  process.on('SIGPIPE', () => undefined)
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'sup-logd crashed; the daemon starts a new one (what is still in the pipes waits for it)')
    process.exit(1)
  })
}

main().catch((err: unknown) => {
  process.stderr.write(`sup-logd: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
