// sup.db's schema as an append-only list of migrations, applied in order and tracked by PRAGMA user_version.
import { inTransaction, type SqliteDb } from './sqlite-driver.ts'
import { SUP_ERR_STATE_WRITE } from '../errors.ts'

/** Migration N (1-based) brings user_version from N-1 to N. Never edit a shipped entry: append a new one. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE apps (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL,             -- JSON of AppSpec
    desired TEXT NOT NULL,          -- 'running' | 'stopped'
    created_at INTEGER NOT NULL     -- epoch ms
  );
  CREATE TABLE workers (
    app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,
    instance INTEGER NOT NULL,
    state TEXT NOT NULL,
    pid INTEGER,
    pid_start_time INTEGER,         -- /proc/<pid>/stat field 22: pid + start time identify a process
    marker TEXT,                    -- SUP_MARKER of the current process tree
    port INTEGER,
    attempt INTEGER NOT NULL,
    restarts INTEGER NOT NULL,
    restart_times TEXT NOT NULL,    -- JSON number[]
    has_last_exit INTEGER NOT NULL DEFAULT 0,
    last_exit_code INTEGER,
    last_exit_signal TEXT,
    started_at INTEGER,             -- epoch ms
    PRIMARY KEY (app, instance)
  );
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    app TEXT NOT NULL,
    instance INTEGER,
    type TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    reason TEXT NOT NULL,
    data TEXT                       -- JSON object or NULL
  );
  CREATE INDEX events_app_id ON events (app, id);
  `,
  // 2: deployed releases (issue 7); the files are apps/<user>/<app>/releases/<id>/
  `
  CREATE TABLE releases (
    app TEXT NOT NULL,
    id TEXT NOT NULL,               -- sortable: UTC time + 6 hex of the sha256
    user TEXT NOT NULL,
    sha256 TEXT NOT NULL,           -- of the uploaded bytes
    created_at INTEGER NOT NULL,    -- epoch ms
    size INTEGER NOT NULL,
    unpacked_size INTEGER NOT NULL,
    files INTEGER NOT NULL,
    status TEXT NOT NULL,           -- 'pending' (rolling out) | 'deployed' (was current at least once)
    PRIMARY KEY (app, id)
  );
  `
]

/** Brings the schema up to date, each migration in its own transaction; refuses a database from a newer sup. */
export function migrate (db: SqliteDb): void {
  const current = db.prepare<{ user_version: unknown }>('PRAGMA user_version').get()?.user_version
  const version = typeof current === 'number' ? current : 0
  if (version > MIGRATIONS.length) {
    throw new SUP_ERR_STATE_WRITE(`${db.path} has schema version ${version}, newer than this sup knows (${MIGRATIONS.length}); upgrade sup`)
  }
  MIGRATIONS.forEach((sql, i) => {
    if (i < version) return
    inTransaction(db, () => {
      db.exec(sql)
      db.exec(`PRAGMA user_version = ${i + 1}`)
    })
  })
}
