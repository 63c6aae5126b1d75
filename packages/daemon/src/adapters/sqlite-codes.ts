// SQLite's result codes by name (sqlite.org/rescode.html): node:sqlite gives a failure's number (`errcode`),
// better-sqlite3 its name. An extended code (SQLITE_BUSY_SNAPSHOT...) is named by its primary code, its low byte.
const PRIMARY = [
  'OK', 'ERROR', 'INTERNAL', 'PERM', 'ABORT', 'BUSY', 'LOCKED', 'NOMEM', 'READONLY', 'INTERRUPT', 'IOERR', 'CORRUPT',
  'NOTFOUND', 'FULL', 'CANTOPEN', 'PROTOCOL', 'EMPTY', 'SCHEMA', 'TOOBIG', 'CONSTRAINT', 'MISMATCH', 'MISUSE', 'NOLFS',
  'AUTH', 'FORMAT', 'RANGE', 'NOTADB', 'NOTICE', 'WARNING'
]

/** `SQLITE_BUSY` for 5 (and for 517, SQLITE_BUSY_SNAPSHOT); `SQLITE_<n>` for a number SQLite does not define. */
export function sqliteCodeName (code: number): string {
  const name = PRIMARY[code & 0xff]
  return `SQLITE_${name ?? String(code)}`
}
