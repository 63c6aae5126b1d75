// sup-logd's single-instance lock: $SUP_HOME/logd.lock names its holder (`<pid> <starttime>\n`), no native module needed
// (better-sqlite3's addon, the daemon's lock, would cost sup-logd ~7 MiB of RSS). Nothing releases it when the holder dies:
// the file is then stale, and ONLY the daemon clears it (clearStaleLogdLock), before it starts a new sup-logd. That is
// race-free: one daemon runs per SUP_HOME (it holds sup.lock), and the only other writer is a live holder removing its own file.
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { readProcStat } from './proc-tree.ts'

/** sup-logd's exit code when it finds a stale lock (sysexits' EX_TEMPFAIL: the daemon clears it and starts another). */
export const LOGD_EXIT_STALE_LOCK = 75

export interface LogdLockPaths {
  /** $SUP_HOME/logd.lock */
  readonly lockPath: string
  /** $SUP_HOME/logd.pid: evidence of a sup-logd from before this lock (see preUpgradeLogd). */
  readonly pidPath: string
}

export interface LogdLock {
  /** Removes the lock file if it still names this process (idempotent). */
  release (): void
}

/** What an attempt found: the lock is ours now, a live sup-logd holds it, or a dead one left it (only the daemon clears it). */
export type LogdLockAttempt =
  | { readonly status: 'acquired'; readonly lock: LogdLock }
  | { readonly status: 'held'; readonly pid: number }
  | { readonly status: 'stale' }

interface Holder { readonly pid: number; readonly startTicks: number }

/** The file's text, read whole (a few bytes); null when there is no file. */
function readLock (path: string): string | null {
  try {
    return readFileSync(path, 'latin1')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

function parseHolder (text: string): Holder | null {
  const m = /^([1-9]\d{0,9}) (\d{1,20})\n$/.exec(text)
  if (m === null) return null
  return { pid: Number(m[1]), startTicks: Number(m[2]) }
}

/** `<pid> <starttime>\n` of this process: starttime tells it apart from a later process given the same pid. */
function selfLine (): string {
  const self = readProcStat(process.pid)
  if (self === null) throw new Error('cannot read /proc/self/stat')
  return `${process.pid} ${self.startTicks}\n`
}

/**
 * Upgrade rule: before this lock, logd.lock was an SQLite file held open by sup-logd (binary or empty content, which
 * parses as no holder). If such an old sup-logd still runs, its logd.pid names a live process whose command line holds
 * `logd-main`: it counts as the holder, so the daemon neither clears its file nor starts a second collector.
 */
function preUpgradeLogd (pidPath: string): number | null {
  try {
    const pid = Number(readFileSync(pidPath, 'latin1').trim())
    if (!Number.isSafeInteger(pid) || pid <= 0 || readProcStat(pid) === null) return null
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('logd-main') ? pid : null
  } catch { return null }
}

/** The live holder's pid for the lock's text; null when it names none (dead, pid reused, unparsable: stale). */
function liveHolder (text: string, pidPath: string): number | null {
  const h = parseHolder(text)
  if (h === null) return preUpgradeLogd(pidPath)
  return readProcStat(h.pid)?.startTicks === h.startTicks ? h.pid : null
}

/** The pid of the live sup-logd holding the lock; null when there is none (no file, or a stale one). One small /proc read. */
export function logdLockHolder (paths: LogdLockPaths): number | null {
  const text = readLock(paths.lockPath)
  return text === null ? null : liveHolder(text, paths.pidPath)
}

/**
 * Takes the lock for this process: the complete line is written to a temp file and hard-linked to the lock path, so
 * the lock appears whole or not at all, and exactly one of two racing processes links it. Never removes another's file.
 */
export function acquireLogdLock (paths: LogdLockPaths): LogdLockAttempt {
  const line = selfLine()
  const tmp = `${paths.lockPath}.${process.pid}.tmp`
  writeFileSync(tmp, line, { mode: 0o600 })
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, paths.lockPath)
        return { status: 'acquired', lock: { release: () => { releaseIfOurs(paths.lockPath, line) } } }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const text = readLock(paths.lockPath)
      if (text === null) continue // its holder removed it between our link and our read: try again
      const pid = liveHolder(text, paths.pidPath)
      return pid === null ? { status: 'stale' } : { status: 'held', pid }
    }
    throw new Error(`${paths.lockPath} keeps appearing and vanishing; is another sup-logd starting and stopping?`)
  } finally {
    try { unlinkSync(tmp) } catch { /* gone */ }
  }
}

/** Removes the lock only when it holds exactly `line` (ours): a file that names another process is never touched. */
function releaseIfOurs (path: string, line: string): void {
  try {
    if (readLock(path) === line) unlinkSync(path)
  } catch { /* already gone */ }
}

/**
 * The daemon's part, before it starts sup-logd: removes the lock when it names no live holder (a crashed or SIGKILLed
 * sup-logd, or an unparsable file). Only the daemon may call it (see the top of this file). True when it removed one.
 */
export function clearStaleLogdLock (paths: LogdLockPaths): boolean {
  const text = readLock(paths.lockPath)
  if (text === null || liveHolder(text, paths.pidPath) !== null) return false
  try {
    unlinkSync(paths.lockPath)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  return true
}
