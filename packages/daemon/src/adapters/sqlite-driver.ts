// SQLite for sup.db and the home lock, through one small interface over two drivers: node's own `node:sqlite` where
// the Node running sup has it (22.13 and later, 24), better-sqlite3 where it does not (Node 20). No native addon to
// load: the daemon at rest holds 1-2 MiB less on Node 22 and 24 (docs/performance.md). Both are loaded on first use:
// sup-logd opens sup.db only when it has an event to record.
// The interface is what both drivers do alike: exec, statements (run, get, all; `?` or `@name` parameters), a busy
// timeout (5 s unless told), read-only opens, and transactions written out (BEGIN ... COMMIT), so the same code runs
// on every Node. A failure's SQLite result code, such as SQLITE_BUSY, is read by `sqliteCode`.
import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import { sqliteCodeName } from './sqlite-codes.ts'

export type SqlValue = null | number | bigint | string | Uint8Array
/** Positional values, or one object whose keys name `@name` parameters (every key must be one of them). */
export type SqlParams = SqlValue[] | [object]
export interface RunResult { readonly changes: number | bigint; readonly lastInsertRowid: number | bigint }

export interface SqliteStatement<Row> {
  run (...params: SqlParams): RunResult
  get (...params: SqlParams): Row | undefined
  all (...params: SqlParams): Row[]
}

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3'

export interface SqliteDb {
  readonly path: string
  readonly driver: SqliteDriverName
  exec (sql: string): void
  prepare<Row = unknown> (sql: string): SqliteStatement<Row>
  /** Closes the connection; closing again does nothing. */
  close (): void
}

export interface SqliteOpenOptions {
  /** Opens an existing file for reading only (never creates it). */
  readonly readOnly?: boolean
  /** How long a statement waits for another connection's lock before it fails with SQLITE_BUSY (default 5000). */
  readonly busyTimeoutMs?: number
}

/** What sup uses of node:sqlite (Node has no types for it before @types/node 22). */
interface NodeSqlite {
  DatabaseSync: new (path: string, options: { readOnly: boolean; enableForeignKeyConstraints: boolean }) => {
    exec (sql: string): void
    prepare (sql: string): SqliteStatement<unknown>
    close (): void
  }
}

let nodeSqlite: NodeSqlite | null | undefined
let betterSqlite: typeof BetterSqlite3 | undefined

/** node:sqlite, or null on a Node without it. Node 22 calls it experimental on load: that warning is not printed. */
function loadNodeSqlite (): NodeSqlite | null {
  if (nodeSqlite !== undefined) return nodeSqlite
  const emit = process.emitWarning
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : String((warning as Partial<Error> | undefined)?.message ?? '')
    if (text.startsWith('SQLite is an experimental feature')) return
    Reflect.apply(emit, process, [warning, ...rest])
  } as typeof process.emitWarning
  try {
    // getBuiltinModule (Node >= 20.16, 22.3) is undefined for a builtin this Node lacks or keeps behind a flag
    nodeSqlite = (process.getBuiltinModule?.('node:sqlite') as NodeSqlite | undefined) ?? null
  } catch {
    nodeSqlite = null
  } finally {
    process.emitWarning = emit
  }
  return nodeSqlite
}

function loadBetterSqlite (): typeof BetterSqlite3 {
  // sup-logd's bundle is CommonJS (it has `require`, and no import.meta.url); the daemon and the sources are ESM
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS bundle
  betterSqlite ??= (typeof require === 'function' ? require('better-sqlite3') : createRequire(import.meta.url)('better-sqlite3')) as typeof BetterSqlite3
  return betterSqlite
}

/** The driver this Node gets: node:sqlite where it has it, better-sqlite3 otherwise. */
function defaultSqliteDriver (): SqliteDriverName {
  return loadNodeSqlite() === null ? 'better-sqlite3' : 'node:sqlite'
}

/** Opens (creating unless read-only) the database at `path` with `driver` (the default: `defaultSqliteDriver()`). */
export function openSqlite (path: string, options: SqliteOpenOptions = {}, driver = defaultSqliteDriver()): SqliteDb {
  const readOnly = options.readOnly ?? false
  let conn: { exec (sql: string): void; prepare (sql: string): unknown; close (): void }
  if (driver === 'node:sqlite') {
    const mod = loadNodeSqlite()
    if (mod === null) throw new Error(`node:sqlite is not available in Node ${process.versions.node}`)
    // foreign keys enforced, as better-sqlite3 builds SQLite (SQLITE_DEFAULT_FOREIGN_KEYS=1)
    conn = new mod.DatabaseSync(path, { readOnly, enableForeignKeyConstraints: true })
  } else {
    const Database = loadBetterSqlite()
    conn = new Database(path, readOnly ? { readonly: true, fileMustExist: true } : {})
  }
  let open = true
  try {
    conn.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`)
  } catch (err) {
    conn.close()
    throw err
  }
  return {
    path,
    driver,
    exec: (sql) => { conn.exec(sql) },
    prepare: <Row>(sql: string) => conn.prepare(sql) as SqliteStatement<Row>,
    close: () => { if (open) { open = false; conn.close() } }
  }
}

/** Runs `fn` in one transaction: committed when it returns, rolled back when it (or the commit) throws. */
export function inTransaction<T> (db: SqliteDb, fn: () => T): T {
  db.exec('BEGIN')
  try {
    const result = fn()
    db.exec('COMMIT')
    return result
  } catch (err) {
    try { db.exec('ROLLBACK') } catch { /* SQLite already rolled it back (some failures do) */ }
    throw err
  }
}

/** The SQLite result code of a driver's failure (`SQLITE_BUSY`, `SQLITE_CORRUPT`...), or null for any other error. */
export function sqliteCode (err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null
  const e = err as { code?: unknown; errcode?: unknown }
  if (e.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') return sqliteCodeName(e.errcode) // node:sqlite
  if (betterSqlite !== undefined && err instanceof betterSqlite.SqliteError) return err.code
  return null
}
