// SQLite through adapters/sqlite-driver.ts: the same answers from node:sqlite (Node >= 22.13) and better-sqlite3 (every
// Node), on real files; and the built daemon on a Node with node:sqlite runs without better-sqlite3's addon.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runSup, tmpDir, useSupHome, waitFor } from '@sup/test-support'
import { inTransaction, openSqlite, sqliteCode, type SqliteDb, type SqliteDriverName, type SqliteOpenOptions } from '../../src/adapters/sqlite-driver.ts'
import { sqliteCodeName } from '../../src/adapters/sqlite-codes.ts'

const HAS_NODE_SQLITE = process.getBuiltinModule?.('node:sqlite') !== undefined
const DRIVERS: SqliteDriverName[] = HAS_NODE_SQLITE ? ['node:sqlite', 'better-sqlite3'] : ['better-sqlite3']
const DAEMON = new URL('../../bundle/main.js', import.meta.url).pathname

/** The error `fn` throws (the test fails when it throws none). */
function thrown (fn: () => unknown): unknown {
  try { fn() } catch (err) { return err }
  throw new Error('expected a throw')
}

describe.each(DRIVERS)('SQLite through %s', (driver) => {
  const open = (path: string, options: SqliteOpenOptions = {}): SqliteDb => {
    const db = openSqlite(path, options, driver)
    onTestFinished(() => { db.close() })
    return db
  }
  const table = (): { path: string; db: SqliteDb } => {
    const path = join(tmpDir('sup-sqlite-'), 't.db')
    const db = open(path)
    db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)')
    return { path, db }
  }

  it('binds positional and @named values, and reads rows back', () => {
    const { db } = table()
    expect(db.driver).toBe(driver)
    const first = db.prepare('INSERT INTO t (a, b) VALUES (@a, @b)').run({ a: 7, b: 'seven' })
    expect({ changes: Number(first.changes), id: Number(first.lastInsertRowid) }).toEqual({ changes: 1, id: 7 })
    db.prepare('INSERT INTO t (a, b) VALUES (?, ?)').run(8, null)
    expect({ ...db.prepare<object>('SELECT * FROM t WHERE a = ?').get(7) }).toEqual({ a: 7, b: 'seven' })
    expect(db.prepare('SELECT * FROM t WHERE a = ?').get(99)).toBeUndefined()
    expect(db.prepare<{ a: number; b: string | null }>('SELECT * FROM t ORDER BY a').all().map((r) => [r.a, r.b])).toEqual([[7, 'seven'], [8, null]])
  })

  it('commits a transaction that returns and undoes one that throws, the statement that failed included', () => {
    const { db } = table()
    expect(inTransaction(db, () => { db.prepare('INSERT INTO t (a) VALUES (1)').run(); return 'kept' })).toBe('kept')
    const err = thrown(() => inTransaction(db, () => {
      db.prepare('INSERT INTO t (a) VALUES (2)').run()
      db.prepare('INSERT INTO t (a) VALUES (1)').run() // the primary key refuses it
    }))
    expect(sqliteCode(err)).toMatch(/^SQLITE_CONSTRAINT/)
    expect(db.prepare<{ a: number }>('SELECT a FROM t').all().map((r) => r.a)).toEqual([1])
    inTransaction(db, () => { db.prepare('INSERT INTO t (a) VALUES (3)').run() }) // no transaction was left open
    expect(db.prepare<{ a: number }>('SELECT a FROM t').all().map((r) => r.a)).toEqual([1, 3])
  })

  it('fails with SQLITE_BUSY when another connection holds the lock past the busy timeout', () => {
    const { path, db } = table()
    db.exec('BEGIN EXCLUSIVE')
    const other = open(path, { busyTimeoutMs: 50 })
    expect(sqliteCode(thrown(() => { other.exec('BEGIN EXCLUSIVE') }))).toBe('SQLITE_BUSY')
    db.exec('COMMIT')
    other.exec('BEGIN EXCLUSIVE') // let go: the other connection takes it
    other.exec('COMMIT')
  })

  it('opens read-only: never creates a file, refuses writes, names a file that is no database', () => {
    const dir = tmpDir('sup-sqlite-')
    expect(sqliteCode(thrown(() => openSqlite(join(dir, 'missing.db'), { readOnly: true }, driver)))).toBe('SQLITE_CANTOPEN')
    expect(existsSync(join(dir, 'missing.db'))).toBe(false)
    const { path } = table()
    const ro = open(path, { readOnly: true })
    expect(ro.prepare('SELECT count(*) AS n FROM t').get()).toMatchObject({ n: 0 })
    expect(sqliteCode(thrown(() => ro.exec('INSERT INTO t (a) VALUES (1)')))).toBe('SQLITE_READONLY')
    writeFileSync(join(dir, 'junk.db'), 'not sqlite at all '.repeat(300))
    const junk = thrown(() => open(join(dir, 'junk.db'), { readOnly: true }).prepare('PRAGMA quick_check').all())
    expect(sqliteCode(junk)).toBe('SQLITE_NOTADB')
  })

  it('enforces foreign keys (better-sqlite3 builds SQLite so), and closes twice quietly', () => {
    const { db } = table()
    expect(db.prepare('PRAGMA foreign_keys').get()).toMatchObject({ foreign_keys: 1 })
    db.close()
    db.close()
  })
})

describe('SQLite result codes', () => {
  it('names a code by its primary code, and no error that is not SQLite\'s', () => {
    expect(sqliteCodeName(5)).toBe('SQLITE_BUSY')
    expect(sqliteCodeName(517)).toBe('SQLITE_BUSY') // SQLITE_BUSY_SNAPSHOT
    expect(sqliteCodeName(26)).toBe('SQLITE_NOTADB')
    expect(sqliteCodeName(99)).toBe('SQLITE_99')
    expect(sqliteCode(new Error('no'))).toBeNull()
    expect(sqliteCode(Object.assign(new Error('no'), { code: 'SQLITE_BUSY' }))).toBeNull() // a look-alike
    expect(sqliteCode('SQLITE_BUSY')).toBeNull()
  })
})

describe('the built daemon\'s SQLite', () => {
  it('is node:sqlite where the Node has it: better-sqlite3\'s addon is not mapped, and Node 22\'s warning is not printed', async () => {
    const home = useSupHome() // its daemon, sup-logd and worker are killed by pid when the test ends, passed or failed
    const child = spawn(process.execPath, [DAEMON], { env: { ...process.env, SUP_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text })
    const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
    onTestFinished(async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited } })
    await waitFor(() => existsSync(join(home, 'sup.sock')), { timeoutMs: 20_000, what: 'the daemon to serve' })
    const script = join(tmpDir('sup-sqlite-app-'), 'idle.js')
    writeFileSync(script, 'setInterval(() => {}, 1000)\n')
    const started = await runSup(home, ['start', script, '--name', 'idle', '--no-port'])
    expect(started.code).toBe(0) // sup.db written: an app and its worker
    const maps = readFileSync(`/proc/${child.pid ?? 0}/maps`, 'utf8')
    expect(maps.includes('better_sqlite3.node')).toBe(!HAS_NODE_SQLITE)
    expect((await runSup(home, ['kill'])).code).toBe(0)
    await exited
    expect(stderr + readFileSync(join(home, 'daemon.log'), 'utf8')).not.toContain('ExperimentalWarning')
  })
})
