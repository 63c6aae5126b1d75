// The SQLite store on real files: round trips, atomic createApp, failed writes, reopen, WAL, pruning, migrations.
import { execFileSync } from 'node:child_process'
import { chmodSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it, expect, onTestFinished } from 'vitest'
import { openSqlite, type SqliteDb } from '../../src/adapters/sqlite-driver.ts'
import { openSqliteStore } from '../../src/adapters/sqlite-store.ts'
import { MIGRATIONS } from '../../src/adapters/sqlite-migrations.ts'
import { normalizeAppSpec } from '../../src/core/app-spec.ts'
import { parsePortRange } from '../../src/core/port-allocator.ts'
import type { EventInput, StateStore, StoredApp, StoredWorker } from '../../src/core/ports.ts'
import { initialSnapshot } from '../../src/core/worker-machine.ts'
import { tempDir } from './adapter-support.ts'

function dbPath (): string {
  return join(tempDir(), 'home', 'sup.db')
}

function open (path: string): StateStore {
  const store = openSqliteStore(path)
  onTestFinished(() => { store.close() })
  return store
}

/** A second, raw connection to the same file (WAL lets it read while the store is open). */
function raw (path: string): SqliteDb {
  const db = openSqlite(path)
  onTestFinished(() => { db.close() })
  return db
}

function app (name: string, desired: StoredApp['desired'] = 'running'): StoredApp {
  const spec = normalizeAppSpec({ name, script: `/srv/${name}/server.js`, instances: 2, env: { API_KEY: 'k' } }, { portPool: parsePortRange('8000-8009') })
  return { name, spec, desired, createdAt: 1_700_000_000_000 }
}

function worker (appName: string, instance: number, patch: Partial<StoredWorker> = {}): StoredWorker {
  return { app: appName, instance, snapshot: initialSnapshot(), port: 8000 + instance, marker: null, pidStartTime: null, startedAt: null, ...patch }
}

function event (appName: string, n: number, instance: number | null = 0): EventInput {
  return { time: 1_700_000_000_000 + n, app: appName, instance, type: 'state', from: 'starting', to: 'online', reason: `event ${n}`, data: n % 2 === 0 ? { n } : null }
}

describe('sqlite store', () => {
  it('round-trips apps, workers and events', () => {
    const store = open(dbPath())
    const api = app('api')
    store.createApp(api, [worker('api', 0), worker('api', 1)])
    expect(store.listApps()).toEqual([api])
    expect(store.listWorkers('api')).toEqual([worker('api', 0), worker('api', 1)])

    const online: StoredWorker = worker('api', 1, {
      snapshot: { state: 'online', pid: 4242, attempt: 2, restarts: 5, restartTimes: [10.5, 20.25], lastExit: { code: 1, signal: null } },
      marker: 'home:api:1:abc', pidStartTime: 123456, startedAt: 1_700_000_001_000
    })
    store.saveWorker(online)
    store.saveWorker(worker('api', 2)) // saveWorker also inserts (scale up)
    store.saveApp({ ...api, desired: 'stopped', createdAt: 1 }) // created_at never changes
    expect(store.listApps()).toEqual([{ ...api, desired: 'stopped' }])
    expect(store.listWorkers()).toEqual([worker('api', 0), online, worker('api', 2)])

    const added = [1, 2, 3].map((n) => store.addEvent(event('api', n)))
    expect(added.map((e) => e.id)).toEqual([added[0]?.id, (added[0]?.id ?? 0) + 1, (added[0]?.id ?? 0) + 2])
    expect(store.listEvents({ limit: 10 })).toEqual(added)

    store.deleteWorker('api', 2)
    expect(store.listWorkers('api').map((w) => w.instance)).toEqual([0, 1])
    store.deleteApp('api')
    expect(store.listApps()).toEqual([])
    expect(store.listWorkers()).toEqual([])
    expect(store.listEvents({ limit: 10 })).toHaveLength(3) // events outlive their app
  })

  it('tells "never exited" from "ended with neither code nor signal" (a failed spawn)', () => {
    const store = open(dbPath())
    store.createApp(app('api'), [worker('api', 0)])
    expect(store.listWorkers()[0]?.snapshot.lastExit).toBeNull()
    const failed = worker('api', 0, { snapshot: { ...initialSnapshot(), state: 'backoff', lastExit: { code: null, signal: null } } })
    store.saveWorker(failed)
    expect(store.listWorkers()[0]?.snapshot.lastExit).toEqual({ code: null, signal: null })
    store.saveWorker(worker('api', 0, { snapshot: { ...initialSnapshot(), lastExit: { code: null, signal: 'SIGKILL' } } }))
    expect(store.listWorkers()[0]?.snapshot.lastExit).toEqual({ code: null, signal: 'SIGKILL' })
  })

  it('lists the last `limit` events oldest first, by app and after an id', () => {
    const store = open(dbPath())
    const all = Array.from({ length: 10 }, (_, n) => store.addEvent(event(n % 2 === 0 ? 'api' : 'web', n, n % 3 === 0 ? null : n)))
    expect(store.listEvents({ limit: 3 })).toEqual(all.slice(7))
    expect(store.listEvents({ app: 'api', limit: 2 })).toEqual([all[6], all[8]])
    expect(store.listEvents({ limit: 100, afterId: all[7]?.id })).toEqual(all.slice(8))
    expect(store.listEvents({ app: 'web', limit: 100, afterId: all[4]?.id })).toEqual([all[5], all[7], all[9]])
    expect(store.listEvents({ limit: 0 })).toEqual([])
    expect(store.listEvents({ limit: -1 })).toEqual([])
  })

  it('refuses a duplicate app with SUP_ERR_APP_EXISTS and changes nothing', () => {
    const store = open(dbPath())
    store.createApp(app('api'), [worker('api', 0)])
    const before = { apps: store.listApps(), workers: store.listWorkers() }
    const again = { ...app('api', 'stopped'), spec: { ...app('api').spec, instances: 3 } }
    expect(() => store.createApp(again, [worker('api', 0, { port: 9000 }), worker('api', 1), worker('api', 2)]))
      .toThrow(expect.objectContaining({ code: 'SUP_ERR_APP_EXISTS', statusCode: 409 }))
    expect({ apps: store.listApps(), workers: store.listWorkers() }).toEqual(before)
  })

  it('turns a failed write into SUP_ERR_STATE_WRITE with the cause, and keeps the previous state', () => {
    const path = dbPath()
    const store = open(path)
    store.createApp(app('api'), [worker('api', 0)])
    // Makes SQLite refuse the third worker of the next app: the whole createApp must be undone
    raw(path).exec("CREATE TRIGGER refuse BEFORE INSERT ON workers WHEN NEW.instance = 2 BEGIN SELECT RAISE(ABORT, 'disk says no'); END")
    let error: unknown
    try { store.createApp(app('web'), [worker('web', 0), worker('web', 1), worker('web', 2)]) } catch (err) { error = err }
    expect(error).toMatchObject({ code: 'SUP_ERR_STATE_WRITE', statusCode: 503, message: expect.stringContaining('disk says no') })
    expect((error as Error).message).toMatch(/SQLITE_CONSTRAINT/) // node:sqlite names the primary code, better-sqlite3 SQLITE_CONSTRAINT_TRIGGER
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(store.listApps().map((a) => a.name)).toEqual(['api'])
    expect(store.listWorkers().map((w) => `${w.app}:${w.instance}`)).toEqual(['api:0'])
  })

  it('throws SUP_ERR_STATE_WRITE on a read-only database, and reads still work', (ctx) => {
    const path = dbPath()
    const first = openSqliteStore(path)
    first.createApp(app('api'), [worker('api', 0)])
    first.close()
    if (process.getuid?.() === 0) {
      // root ignores file modes: make the file immutable instead
      try { execFileSync('chattr', ['+i', path], { stdio: 'ignore' }) } catch { ctx.skip('root, and chattr +i is not available here') }
      onTestFinished(() => { execFileSync('chattr', ['-i', path]) })
    } else {
      chmodSync(path, 0o400)
    }
    const store = open(path)
    expect(store.listApps().map((a) => a.name)).toEqual(['api'])
    expect(() => store.saveApp(app('api', 'stopped'))).toThrow(expect.objectContaining({ code: 'SUP_ERR_STATE_WRITE', message: expect.stringContaining('SQLITE_READONLY') }))
    expect(() => store.addEvent(event('api', 1))).toThrow(expect.objectContaining({ code: 'SUP_ERR_STATE_WRITE' }))
    expect(store.listApps()).toEqual([app('api')])
  })

  it('keeps everything across close and reopen, in a 0600 file in WAL mode', () => {
    const path = dbPath()
    const first = openSqliteStore(path)
    const online = worker('api', 0, { snapshot: { ...initialSnapshot(), state: 'online', pid: 77 }, marker: 'm', pidStartTime: 9 })
    first.createApp(app('api'), [online])
    const e = first.addEvent(event('api', 1))
    first.close()
    first.close() // idempotent
    const second = open(path)
    expect(second.listApps()).toEqual([app('api')])
    expect(second.listWorkers()).toEqual([online])
    expect(second.listEvents({ limit: 10 })).toEqual([e])
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const db = raw(path)
    expect(db.prepare<{ journal_mode: string }>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal')
    expect(db.prepare<{ user_version: number }>('PRAGMA user_version').get()?.user_version).toBe(MIGRATIONS.length)
  })

  it('keeps the events table bounded to the newest events', () => {
    const store = openSqliteStore(dbPath(), { maxEvents: 5, pruneEvery: 4 })
    onTestFinished(() => { store.close() })
    const all = Array.from({ length: 12 }, (_, n) => store.addEvent(event('api', n)))
    expect(store.listEvents({ limit: 100 })).toEqual(all.slice(-5)) // pruned at the 4th, 8th and 12th insert
    store.addEvent(event('api', 12))
    expect(store.listEvents({ limit: 100 })).toHaveLength(6) // between prunes it may exceed by less than pruneEvery
  })

  it('refuses a database written by a newer sup', () => {
    const path = dbPath()
    openSqliteStore(path).close()
    const db = openSqlite(path)
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`)
    db.close()
    expect(() => openSqliteStore(path)).toThrow(expect.objectContaining({ code: 'SUP_ERR_STATE_WRITE', message: expect.stringContaining('newer') }))
  })
})
