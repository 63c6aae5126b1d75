// The StateStore port over SQLite (WAL; adapters/sqlite-driver.ts): apps (desired state), workers (observed state) and events.
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { inTransaction, openSqlite, sqliteCode } from './sqlite-driver.ts'
import type { AppSpec } from '../core/app-spec.ts'
import type { EventInput, EventRecord, StateStore, StoredApp, StoredWorker } from '../core/ports.ts'
import type { WorkerState } from '../core/worker-machine.ts'
import { SUP_ERR_APP_EXISTS, SUP_ERR_STATE_WRITE } from '../errors.ts'
import { migrate } from './sqlite-migrations.ts'

/** Tuning knobs; the defaults are production's, tests shrink them to see pruning happen. */
export interface SqliteStoreOptions {
  /** Events kept (the newest); older ones are deleted. */
  readonly maxEvents?: number
  /** Inserts between two prunes of the events table. */
  readonly pruneEvery?: number
}

interface AppRow { name: string; spec: string; desired: string; created_at: number }
interface WorkerRow {
  app: string; instance: number; state: string; pid: number | null; pid_start_time: number | null; marker: string | null
  port: number | null; attempt: number; restarts: number; restart_times: string; has_last_exit: number
  last_exit_code: number | null; last_exit_signal: string | null; started_at: number | null
}
interface EventRow {
  id: number; time: number; app: string; instance: number | null; type: string
  from_state: string | null; to_state: string | null; reason: string; data: string | null
}

const WORKER_COLUMNS = 'app, instance, state, pid, pid_start_time, marker, port, attempt, restarts, restart_times, has_last_exit, last_exit_code, last_exit_signal, started_at'
const WORKER_VALUES = '@app, @instance, @state, @pid, @pid_start_time, @marker, @port, @attempt, @restarts, @restart_times, @has_last_exit, @last_exit_code, @last_exit_signal, @started_at'
const EVENT_COLUMNS = 'id, time, app, instance, type, from_state, to_state, reason, data'

/** Creates the file with mode 0600 before SQLite does (its -wal and -shm files copy the database's mode). */
function createPrivateFile (path: string): void {
  if (path === ':memory:' || path === '') return
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  try {
    closeSync(openSync(path, 'wx', 0o600))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err // an existing database is left as it is
  }
}

function toAppRow (a: StoredApp): AppRow {
  return { name: a.name, spec: JSON.stringify(a.spec), desired: a.desired, created_at: a.createdAt }
}

function fromAppRow (r: AppRow): StoredApp {
  return { name: r.name, spec: JSON.parse(r.spec) as AppSpec, desired: r.desired === 'stopped' ? 'stopped' : 'running', createdAt: r.created_at }
}

function toWorkerRow (w: StoredWorker): WorkerRow {
  const s = w.snapshot
  return {
    app: w.app, instance: w.instance, state: s.state, pid: s.pid, pid_start_time: w.pidStartTime, marker: w.marker, port: w.port,
    attempt: s.attempt, restarts: s.restarts, restart_times: JSON.stringify(s.restartTimes), has_last_exit: s.lastExit === null ? 0 : 1,
    last_exit_code: s.lastExit?.code ?? null, last_exit_signal: s.lastExit?.signal ?? null, started_at: w.startedAt
  }
}

function fromWorkerRow (r: WorkerRow): StoredWorker {
  const lastExit = r.has_last_exit === 0 ? null : { code: r.last_exit_code, signal: r.last_exit_signal }
  const snapshot = { state: r.state as WorkerState, pid: r.pid, attempt: r.attempt, restarts: r.restarts, restartTimes: JSON.parse(r.restart_times) as number[], lastExit }
  return { app: r.app, instance: r.instance, snapshot, port: r.port, marker: r.marker, pidStartTime: r.pid_start_time, startedAt: r.started_at }
}

function fromEventRow (r: EventRow): EventRecord {
  const data = r.data === null ? null : JSON.parse(r.data) as Record<string, unknown>
  return { id: r.id, time: r.time, app: r.app, instance: r.instance, type: r.type, from: r.from_state, to: r.to_state, reason: r.reason, data }
}

/** Runs a write; our own coded errors pass through, any SQLite failure becomes SUP_ERR_STATE_WRITE with the cause. */
function write<T> (what: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    const code = sqliteCode(err)
    if (code === null) throw err
    const wrapped = new SUP_ERR_STATE_WRITE(`${what}: ${code}: ${(err as Error).message}`)
    wrapped.cause = err // @fastify/error's types do not take { cause } as a constructor argument
    throw wrapped
  }
}

/** Opens (creating and migrating) sup.db. Every write is one transaction: a failed write leaves the previous state. */
export function openSqliteStore (path: string, options: SqliteStoreOptions = {}): StateStore {
  const maxEvents = options.maxEvents ?? 100_000
  const pruneEvery = options.pruneEvery ?? 1_000
  createPrivateFile(path)
  const db = openSqlite(path)
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON')
    migrate(db)
  } catch (err) {
    db.close()
    throw err
  }
  const q = {
    listApps: db.prepare<AppRow>('SELECT name, spec, desired, created_at FROM apps ORDER BY name'),
    getApp: db.prepare<{ name: string }>('SELECT name FROM apps WHERE name = ?'),
    insertApp: db.prepare('INSERT INTO apps (name, spec, desired, created_at) VALUES (@name, @spec, @desired, @created_at)'),
    upsertApp: db.prepare(`INSERT INTO apps (name, spec, desired, created_at) VALUES (@name, @spec, @desired, @created_at)
      ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, desired = excluded.desired`),
    deleteApp: db.prepare('DELETE FROM apps WHERE name = ?'),
    deleteAppWorkers: db.prepare('DELETE FROM workers WHERE app = ?'),
    listWorkers: db.prepare<WorkerRow>(`SELECT ${WORKER_COLUMNS} FROM workers ORDER BY app, instance`),
    listAppWorkers: db.prepare<WorkerRow>(`SELECT ${WORKER_COLUMNS} FROM workers WHERE app = ? ORDER BY instance`),
    insertWorker: db.prepare(`INSERT INTO workers (${WORKER_COLUMNS}) VALUES (${WORKER_VALUES})`),
    upsertWorker: db.prepare(`INSERT INTO workers (${WORKER_COLUMNS}) VALUES (${WORKER_VALUES})
      ON CONFLICT (app, instance) DO UPDATE SET ${WORKER_COLUMNS.split(', ').slice(2).map((c) => `${c} = excluded.${c}`).join(', ')}`),
    deleteWorker: db.prepare('DELETE FROM workers WHERE app = ? AND instance = ?'),
    insertEvent: db.prepare(`INSERT INTO events (time, app, instance, type, from_state, to_state, reason, data)
      VALUES (@time, @app, @instance, @type, @from_state, @to_state, @reason, @data)`),
    pruneEvents: db.prepare('DELETE FROM events WHERE id <= (SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?)'),
    lastEvents: db.prepare<EventRow>(`SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events WHERE id > ? ORDER BY id DESC LIMIT ?) ORDER BY id`),
    lastAppEvents: db.prepare<EventRow>(`SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events WHERE app = ? AND id > ? ORDER BY id DESC LIMIT ?) ORDER BY id`),
    nextEvents: db.prepare<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?`),
    nextAppEvents: db.prepare<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE app = ? AND id > ? ORDER BY id LIMIT ?`)
  }
  let insertsSincePrune = 0

  const createApp = (app: StoredApp, workers: readonly StoredWorker[]): void => inTransaction(db, () => {
    if (q.getApp.get(app.name) !== undefined) throw new SUP_ERR_APP_EXISTS(app.name)
    q.insertApp.run(toAppRow(app))
    for (const w of workers) q.insertWorker.run(toWorkerRow(w))
  })
  const deleteApp = (name: string): void => inTransaction(db, () => {
    q.deleteAppWorkers.run(name)
    q.deleteApp.run(name)
  })
  const addEvent = (e: EventInput): EventRecord => inTransaction(db, () => {
    const row = { time: e.time, app: e.app, instance: e.instance, type: e.type, from_state: e.from, to_state: e.to, reason: e.reason, data: e.data === null ? null : JSON.stringify(e.data) }
    const id = Number(q.insertEvent.run(row).lastInsertRowid)
    if (insertsSincePrune + 1 >= pruneEvery) q.pruneEvents.run(maxEvents)
    return { ...e, id }
  })

  return {
    listApps: () => q.listApps.all().map(fromAppRow),
    createApp: (app, workers) => { write(`create app ${app.name}`, () => createApp(app, workers)) },
    saveApp: (app) => { write(`save app ${app.name}`, () => q.upsertApp.run(toAppRow(app))) },
    deleteApp: (name) => { write(`delete app ${name}`, () => deleteApp(name)) },
    listWorkers: (app) => (app === undefined ? q.listWorkers.all() : q.listAppWorkers.all(app)).map(fromWorkerRow),
    saveWorker: (w) => { write(`save worker ${w.app}:${w.instance}`, () => q.upsertWorker.run(toWorkerRow(w))) },
    deleteWorker: (app, instance) => { write(`delete worker ${app}:${instance}`, () => q.deleteWorker.run(app, instance)) },
    addEvent (e) {
      const record = write(`add event ${e.type} of ${e.app}`, () => addEvent(e))
      insertsSincePrune = insertsSincePrune + 1 >= pruneEvery ? 0 : insertsSincePrune + 1
      return record
    },
    listEvents ({ app, limit, afterId }) {
      const n = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0
      const after = afterId ?? 0
      return (app === undefined ? q.lastEvents.all(after, n) : q.lastAppEvents.all(app, after, n)).map(fromEventRow)
    },
    listEventsAfter ({ afterId, limit, app }) {
      const n = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0
      return (app === undefined ? q.nextEvents.all(afterId, n) : q.nextAppEvents.all(app, afterId, n)).map(fromEventRow)
    },
    close: () => { db.close() }
  }
}
