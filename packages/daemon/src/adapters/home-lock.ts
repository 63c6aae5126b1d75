// One daemon (and one sup-logd) per SUP_HOME: a lock file inside the 0700 home, held with a kernel lock the holder's death releases.
// The lock is SQLite's (an EXCLUSIVE transaction never ended: an fcntl lock on the file), so no other user can squat it
// (they cannot open the file) and nothing is left to clean up after a SIGKILL. Abstract unix sockets, used before,
// could be bound by any local user first.
import { chmodSync } from 'node:fs'
import Database from 'better-sqlite3'

export interface HomeLock { release (): void }

/** Takes the lock at `path`, waiting up to `waitMs` for a holder to let go; null when another live process holds it. */
export async function acquireHomeLock (path: string, waitMs = 0): Promise<HomeLock | null> {
  const db = new Database(path, { timeout: waitMs })
  try {
    chmodSync(path, 0o600)
    db.pragma('journal_mode = MEMORY') // nothing is ever written: no -journal file beside the lock
    db.exec('BEGIN EXCLUSIVE')
  } catch (err) {
    db.close()
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return null
    throw err
  }
  return { release: () => { try { db.close() } catch { /* already closed */ } } }
}

/** True when a live process holds the lock at `path` (a probe: the lock is taken and let go at once when free). */
export function isLockHeld (path: string): boolean {
  let db: Database.Database
  try { db = new Database(path, { timeout: 0, fileMustExist: true }) } catch { return false }
  try {
    db.pragma('journal_mode = MEMORY')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('ROLLBACK')
    return false
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true
    throw err
  } finally { db.close() }
}
