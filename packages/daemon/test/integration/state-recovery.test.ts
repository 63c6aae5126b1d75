// A lost sup.db on real files and processes: detection (missing, damaged, emptied), the apps.json mirror, adoption.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { readAppsMirror, withAppsMirror } from '../../src/adapters/apps-mirror.ts'
import { openSqliteStore } from '../../src/adapters/sqlite-store.ts'
import { checkDatabase } from '../../src/adapters/state-check.ts'
import { recoverLostState } from '../../src/adapters/state-recovery.ts'
import { normalizeAppSpec } from '../../src/core/app-spec.ts'
import { parsePortRange } from '../../src/core/port-allocator.ts'
import type { StateStore, StoredApp } from '../../src/core/ports.ts'
import { initialSnapshot } from '../../src/core/worker-machine.ts'
import { killOnFinish, tempDir, uniqueMarker } from './adapter-support.ts'

const NOW = new Date('2026-01-02T03:04:05.678Z')

function app (name: string, instances = 2): StoredApp {
  const spec = normalizeAppSpec({ name, script: `/srv/${name}/server.js`, instances }, { portPool: parsePortRange('8000-8009') })
  return { name, spec, desired: 'running', createdAt: 1_700_000_000_000 }
}

function open (path: string): StateStore {
  const store = openSqliteStore(path)
  onTestFinished(() => { store.close() })
  return store
}

const stopped = (a: StoredApp, instance: number) => ({ app: a.name, instance, snapshot: initialSnapshot(), port: 8000 + instance, marker: null, pidStartTime: null, startedAt: null })

describe('checkDatabase', () => {
  it('tells a first start from a removed database by the traces of an earlier life', () => {
    const home = tempDir()
    const traces = [join(home, 'sup.pid'), join(home, 'logs')]
    expect(checkDatabase(join(home, 'sup.db'), traces, NOW)).toEqual({ status: 'new' })
    mkdirSync(join(home, 'logs'))
    expect(checkDatabase(join(home, 'sup.db'), traces, NOW)).toEqual({ status: 'missing', traces: [join(home, 'logs')] })
  })

  it('passes a sound database and moves a damaged one aside, with its -wal', () => {
    const home = tempDir()
    const db = join(home, 'sup.db')
    open(db).close()
    expect(checkDatabase(db, [], NOW)).toEqual({ status: 'ok' })
    writeFileSync(db, Buffer.alloc(8192, 7))
    writeFileSync(`${db}-wal`, 'junk')
    const r = checkDatabase(db, [], NOW)
    expect(r).toMatchObject({ status: 'corrupt', movedTo: `${db}.corrupt-2026-01-02T03-04-05-678Z` })
    expect(r.status === 'corrupt' ? r.detail : '').toMatch(/NOTADB|not a database/)
    expect(existsSync(db)).toBe(false)
    // The check never checkpoints or deletes the -wal: it is moved aside with the database (and the -shm, if any).
    const left = readdirSync(home)
    expect(left).toEqual(expect.arrayContaining(['sup.db.corrupt-2026-01-02T03-04-05-678Z', 'sup.db.corrupt-2026-01-02T03-04-05-678Z-wal']))
    expect(left.filter((f) => !f.startsWith('sup.db.corrupt-'))).toEqual([])
  })

  it('never moves aside a database it merely cannot open (not damage): the error is thrown', () => {
    const home = tempDir()
    mkdirSync(join(home, 'sup.db')) // a directory: SQLITE_CANTOPEN
    expect(() => checkDatabase(join(home, 'sup.db'), [], NOW)).toThrow()
    expect(statSync(join(home, 'sup.db')).isDirectory()).toBe(true)
  })
})

describe('apps.json mirror', () => {
  it('is rewritten (mode 0600) after every app change and only after a successful one', () => {
    const home = tempDir()
    const mirror = join(home, 'apps.json')
    const errors: unknown[] = []
    const store = withAppsMirror(open(join(home, 'sup.db')), mirror, (e) => errors.push(e))
    const api = app('api')
    store.createApp(api, [stopped(api, 0), stopped(api, 1)])
    expect(readAppsMirror(mirror)?.map((a) => a.name)).toEqual(['api'])
    expect(statSync(mirror).mode & 0o777).toBe(0o600)
    store.saveApp({ ...api, desired: 'stopped' })
    expect(readAppsMirror(mirror)?.[0]?.desired).toBe('stopped')
    expect(() => store.createApp(api, [])).toThrow(/exists/)
    expect(readAppsMirror(mirror)).toHaveLength(1)
    store.deleteApp('api')
    expect(readAppsMirror(mirror)).toEqual([])
    expect(errors).toEqual([])
  })
})

describe('recoverLostState', () => {
  it('restores the mirrored apps into a fresh store and adopts a running marked worker (same pid and port)', async () => {
    const home = tempDir()
    const mirror = join(home, 'apps.json')
    const prefix = uniqueMarker('rec')
    const marker = `${prefix}:api:0:abc`
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore', env: { ...process.env, SUP_MARKER: marker, PORT: '8004' } })
    killOnFinish(marker, () => [child.pid])
    await new Promise((resolve) => child.once('spawn', resolve))
    const api = app('api')
    withAppsMirror(open(join(home, 'old.db')), mirror, () => undefined).createApp(api, [])

    const store = open(join(home, 'sup.db'))
    const lost = recoverLostState({ status: 'missing', traces: [join(home, 'sup.pid')] }, store, mirror, prefix, 1_800_000_000_000)
    expect(lost?.reason).toMatch(/^sup\.db was missing \(an earlier daemon left sup\.pid\); restored 1 app\(s\) from apps\.json and found 1 running worker/)
    expect(lost?.data).toEqual({ status: 'missing', apps: 1, adopted: 1 })
    expect(store.listApps().map((a) => a.name)).toEqual(['api'])
    const [w0, w1] = store.listWorkers('api')
    expect(w0).toMatchObject({ instance: 0, port: 8004, marker, startedAt: 1_800_000_000_000, snapshot: { state: 'online', pid: child.pid } })
    expect(w0?.pidStartTime).toEqual(expect.any(Number))
    expect(w1).toMatchObject({ instance: 1, port: null, marker: null, snapshot: { state: 'stopped', pid: null } })
  })

  it('says so when there is no mirror; says nothing for a first start or a sound database', () => {
    const home = tempDir()
    const store = open(join(home, 'sup.db'))
    const mirror = join(home, 'apps.json')
    expect(recoverLostState({ status: 'corrupt', detail: 'x', movedTo: '/m' }, store, mirror, 'p', 0)?.reason).toMatch(/damaged \(x\).*no apps\.json/)
    expect(recoverLostState({ status: 'new' }, store, mirror, 'p', 0)).toBeNull()
    expect(recoverLostState({ status: 'ok' }, store, mirror, 'p', 0)).toBeNull()
  })

  it('treats a sound but empty sup.db as lost when apps.json still lists apps (re-created after a removal)', () => {
    const home = tempDir()
    const mirror = join(home, 'apps.json')
    withAppsMirror(open(join(home, 'old.db')), mirror, () => undefined).createApp(app('web', 1), [])
    const store = open(join(home, 'sup.db'))
    const lost = recoverLostState({ status: 'ok' }, store, mirror, uniqueMarker('none'), 0)
    expect(lost?.data).toMatchObject({ status: 'emptied', apps: 1, adopted: 0 })
    expect(store.listApps().map((a) => a.name)).toEqual(['web'])
    expect(recoverLostState({ status: 'ok' }, store, mirror, 'p', 0)).toBeNull() // now it holds the app
  })
})
