// Releases: rows in sup.db AND directories apps/<user>/<app>/releases/<id>/, with `current` switched atomically.
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { openSqlite } from '../adapters/sqlite-driver.ts'
import { killProcessesIn } from './staging-reaper.ts'

export interface ReleaseRecord {
  readonly app: string
  readonly id: string
  readonly user: string
  readonly sha256: string
  readonly createdAt: number
  readonly size: number
  readonly unpackedSize: number
  readonly files: number
  /** 'pending' while it rolls out (a crash may leave it so), 'deployed' once it was current. */
  readonly status: 'pending' | 'deployed'
}

interface Row { app: string; id: string; user: string; sha256: string; created_at: number; size: number; unpacked_size: number; files: number; status: string }

const fromRow = (r: Row): ReleaseRecord => ({
  app: r.app, id: r.id, user: r.user, sha256: r.sha256, createdAt: r.created_at, size: r.size, unpackedSize: r.unpacked_size, files: r.files,
  status: r.status === 'deployed' ? 'deployed' : 'pending'
})

export type ReleaseStore = ReturnType<typeof openReleaseStore>

/** Opens the releases table of sup.db (migrated by the state store) and the apps/ tree under `home`. */
export function openReleaseStore (home: string, dbPath: string) {
  const db = openSqlite(dbPath)
  const appsRoot = `${home}/apps`
  const appDir = (user: string, app: string): string => `${appsRoot}/${user}/${app}`
  const releaseDir = (user: string, app: string, id: string): string => `${appDir(user, app)}/releases/${id}`
  const q = {
    insert: db.prepare('INSERT INTO releases (app, id, user, sha256, created_at, size, unpacked_size, files, status) VALUES (@app, @id, @user, @sha256, @createdAt, @size, @unpackedSize, @files, @status)'),
    list: db.prepare('SELECT * FROM releases WHERE app = ? ORDER BY id DESC'),
    delApp: db.prepare('DELETE FROM releases WHERE app = ?'),
    all: db.prepare('SELECT * FROM releases'),
    get: db.prepare('SELECT * FROM releases WHERE app = ? AND id = ?'),
    mark: db.prepare("UPDATE releases SET status = 'deployed' WHERE app = ? AND id = ?"),
    del: db.prepare('DELETE FROM releases WHERE app = ? AND id = ?')
  }

  /** The release `current` points to, or null. */
  function currentId (user: string, app: string): string | null {
    try {
      const target = readlinkSync(`${appDir(user, app)}/current`)
      const m = /^releases\/([^/]+)$/.exec(target)
      return m?.[1] ?? null
    } catch { return null }
  }

  /** Removes a release: its row first (a dir without a row is removed at the next start anyway), then its files. */
  async function remove (user: string, app: string, id: string): Promise<void> {
    q.del.run(app, id)
    await rm(releaseDir(user, app, id), { recursive: true, force: true })
  }

  return {
    appDir,
    releaseDir,
    /** A new empty staging dir under apps/<user>/<app>/.staging/ (the release is built there). */
    async makeStaging (user: string, app: string): Promise<string> {
      const base = `${appDir(user, app)}/.staging`
      mkdirSync(base, { recursive: true, mode: 0o700 })
      return mkdtemp(`${base}/up-`)
    },
    /** Moves a complete staging dir to releases/<id> (one rename: a release dir is always whole). */
    promote (staging: string, user: string, app: string, id: string): string {
      mkdirSync(`${appDir(user, app)}/releases`, { recursive: true, mode: 0o755 })
      const dir = releaseDir(user, app, id)
      renameSync(staging, dir)
      return dir
    },
    insert (r: ReleaseRecord): void {
      const { app, id, user, sha256, createdAt, size, unpackedSize, files, status } = r // each key one of the statement's
      q.insert.run({ app, id, user, sha256, createdAt, size, unpackedSize, files, status })
    },
    markDeployed (app: string, id: string): void { q.mark.run(app, id) },
    get: (app: string, id: string): ReleaseRecord | null => { const r = q.get.get(app, id) as Row | undefined; return r === undefined ? null : fromRow(r) },
    /** Newest first; only the releases of the app's owner (the user of its newest release): another user's app of the same name never shows them. */
    list: (app: string): ReleaseRecord[] => {
      const rows = (q.list.all(app) as Row[]).map(fromRow)
      const owner = rows[0]?.user
      return rows.filter((r) => r.user === owner)
    },
    /** `sup delete`: every release of the app (rows, then apps/<user>/<app> of every user); returns how many. */
    async removeApp (app: string): Promise<number> {
      const count = Number(q.delApp.run(app).changes)
      let users: string[] = []
      try { users = readdirSync(appsRoot) } catch { /* no deploy yet */ }
      for (const user of users) {
        if (!existsSync(appDir(user, app))) continue
        await rm(appDir(user, app), { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
        try { if (readdirSync(`${appsRoot}/${user}`).length === 0) rmSync(`${appsRoot}/${user}`, { recursive: true, force: true }) } catch { /* gone */ }
      }
      return count
    },
    remove,
    currentId,
    /** Points `current` at releases/<id>: a temp symlink renamed over the old one (never a moment without a whole release). */
    switchCurrent (user: string, app: string, id: string): void {
      const dir = appDir(user, app)
      const tmp = `${dir}/.current-${randomBytes(4).toString('hex')}`
      symlinkSync(`releases/${id}`, tmp)
      try { renameSync(tmp, `${dir}/current`) } catch (err) { rmSync(tmp, { force: true }); throw err }
    },
    /** Keeps the newest `keep` deployed releases plus the protected ones (current, serving); removes the rest. */
    async prune (user: string, app: string, keep: number, protect: ReadonlySet<string>): Promise<string[]> {
      const cur = currentId(user, app)
      const removed: string[] = []
      const rows = (q.list.all(app) as Row[]).map(fromRow).filter((r) => r.user === user)
      for (const r of rows.slice(keep)) {
        if (r.id === cur || protect.has(r.id)) continue
        await remove(user, app, r.id)
        removed.push(r.id)
      }
      return removed
    },
    /** After a crash: npm still running in a staging dir ended, staging dirs and temp symlinks removed, release dirs without a row removed, rows without a dir dropped. */
    reconcile (): { removed: string[] } {
      const removed: string[] = []
      const rows = new Set((q.all.all() as Row[]).map((r) => `${r.user}/${r.app}/${r.id}`))
      const list = (p: string): string[] => { try { return readdirSync(p) } catch { return [] } }
      for (const user of list(appsRoot)) {
        for (const app of list(`${appsRoot}/${user}`)) {
          const dir = appDir(user, app)
          for (const name of list(dir)) {
            if (name === '.staging') for (const pid of killProcessesIn(`${dir}/${name}`)) removed.push(`npm process ${pid}`)
            if (name === '.staging' || name.startsWith('.current-')) { rmSync(`${dir}/${name}`, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }); removed.push(`${dir}/${name}`) }
          }
          const cur = currentId(user, app)
          for (const id of list(`${dir}/releases`)) {
            if (!rows.has(`${user}/${app}/${id}`) && id !== cur) { rmSync(releaseDir(user, app, id), { recursive: true, force: true }); removed.push(releaseDir(user, app, id)) }
          }
        }
      }
      for (const r of (q.all.all() as Row[])) {
        if (!existsSync(releaseDir(r.user, r.app, r.id))) { q.del.run(r.app, r.id); removed.push(`row ${r.app}/${r.id}`) }
      }
      return { removed }
    },
    /** True when `path` exists and is a symlink (package.json must not be one). */
    isSymlink: (path: string): boolean => { try { return lstatSync(path).isSymbolicLink() } catch { return false } },
    close (): void { db.close() }
  }
}
