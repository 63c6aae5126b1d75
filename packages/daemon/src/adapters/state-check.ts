// Looks at sup.db before it is opened: missing while an earlier daemon life left traces, or damaged (then moved aside).
import { existsSync, renameSync } from 'node:fs'
import { openSqlite, sqliteCode, type SqliteDb } from './sqlite-driver.ts'

/** What became of the state of the earlier daemon life. */
export type DatabaseCheck =
  | { readonly status: 'ok' }
  /** No sup.db and no trace of an earlier life: a first start. */
  | { readonly status: 'new' }
  /** No sup.db, but an earlier daemon left sup.pid, logs/ or apps.json: the state was removed. */
  | { readonly status: 'missing'; readonly traces: readonly string[] }
  /** sup.db could not be opened or failed its check; it was moved aside and a fresh one will be made. */
  | { readonly status: 'corrupt'; readonly detail: string; readonly movedTo: string }

/** SQLite's answers that mean the file itself is damaged; anything else (busy, permissions, I/O) is not for us to judge. */
const DAMAGE_CODES = /^SQLITE_(CORRUPT|NOTADB)/

/** `PRAGMA quick_check` (every page and row, not index contents): a description of the damage, or null when sound. */
function damageOf (path: string): string | null {
  let db: SqliteDb | undefined
  try {
    // Read-only: a check must never checkpoint or delete a -wal (of a damaged database, it is evidence).
    db = openSqlite(path, { readOnly: true })
    const rows = db.prepare<Record<string, unknown>>('PRAGMA quick_check').all()
    const found = rows.map((r) => String(Object.values(r)[0])).filter((v) => v !== 'ok')
    return found.length === 0 ? null : `quick_check: ${found.slice(0, 5).join('; ')}`
  } catch (err) {
    const code = sqliteCode(err)
    if (code !== null && DAMAGE_CODES.test(code)) return `${code}: ${(err as Error).message}`
    throw err // not damage: the store's own open reports it
  } finally {
    try { db?.close() } catch { /* already unusable */ }
  }
}

/**
 * Checks `dbPath` before the store opens it. `traces` are files only an earlier daemon life leaves (checked
 * before this daemon creates them). A damaged database is renamed to `<db>.corrupt-<time>` with its -wal and -shm.
 */
export function checkDatabase (dbPath: string, traces: readonly string[], now: Date): DatabaseCheck {
  if (!existsSync(dbPath)) {
    const left = traces.filter((t) => existsSync(t))
    return left.length === 0 ? { status: 'new' } : { status: 'missing', traces: left }
  }
  const detail = damageOf(dbPath)
  if (detail === null) return { status: 'ok' }
  const movedTo = `${dbPath}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(`${dbPath}${suffix}`)) renameSync(`${dbPath}${suffix}`, `${movedTo}${suffix}`)
  }
  return { status: 'corrupt', detail, movedTo }
}
