// better-sqlite3, loaded on first use: its native addon costs a process ~5 MiB of RSS, and sup-logd opens sup.db
// only when it has an event to record (docs/performance.md). The daemon opens it at start anyway.
import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'

export type SqliteDatabase = BetterSqlite3.Database
type SqliteModule = typeof BetterSqlite3

let loaded: SqliteModule | null = null

/** The better-sqlite3 module (constructor, SqliteError), required the first time it is asked for. */
export function sqlite (): SqliteModule {
  // sup-logd's bundle is CommonJS (it has `require`, and no import.meta.url); the daemon and the sources are ESM
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS bundle
  loaded ??= (typeof require === 'function' ? require('better-sqlite3') : createRequire(import.meta.url)('better-sqlite3')) as SqliteModule
  return loaded
}
