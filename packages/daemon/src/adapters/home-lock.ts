// One daemon per SUP_HOME: a lock file inside the 0700 home, held with a kernel lock the holder's death releases
// (sup-logd has its own, native-free lock: logd-lock.ts).
// The lock is SQLite's (an EXCLUSIVE transaction never ended: an fcntl lock on the file), so no other user can squat it
// (they cannot open the file) and nothing is left to clean up after a SIGKILL. Abstract unix sockets, used before,
// could be bound by any local user first.
import { chmodSync } from 'node:fs'
import { openSqlite, sqliteCode } from './sqlite-driver.ts'

export interface HomeLock { release (): void }

/**
 * How long a daemon waits for the lock before it gives up. Two daemons started at the same instant both take SQLite's
 * shared lock on the way to its exclusive one; with no wait each is refused by the other and both exit (19 of 40
 * simultaneous pairs did). With a wait, SQLite refuses one of them at once (neither could wait the other out) and the
 * other waits until that one has let go. A daemon that finds the lock held by a running daemon gives up after this.
 */
export const CONTENTION_WAIT_MS = 250

/** Takes the lock at `path`, waiting up to CONTENTION_WAIT_MS for a racer to let go; null when another live process holds it. */
export async function acquireHomeLock (path: string): Promise<HomeLock | null> {
  const db = openSqlite(path, { busyTimeoutMs: CONTENTION_WAIT_MS })
  try {
    chmodSync(path, 0o600)
    db.exec('PRAGMA journal_mode = MEMORY') // nothing is ever written: no -journal file beside the lock
    db.exec('BEGIN EXCLUSIVE')
  } catch (err) {
    db.close()
    if (sqliteCode(err) === 'SQLITE_BUSY') return null
    throw err
  }
  return { release: () => { db.close() } }
}
