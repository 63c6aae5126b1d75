// apps.json: a tiny mirror of the app definitions (not the workers), so a lost or damaged sup.db does not lose the apps.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import type { StateStore, StoredApp } from '../core/ports.ts'

interface MirrorFile { readonly version: 1; readonly apps: readonly StoredApp[] }

/** Writes every app to `path` atomically (temp file, fsync, rename), mode 0600: specs may hold secrets in env. */
export function writeAppsMirror (path: string, apps: readonly StoredApp[]): void {
  const tmp = `${path}.tmp`
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeSync(fd, `${JSON.stringify({ version: 1, apps } satisfies MirrorFile, null, 2)}\n`)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
}

/** The apps of the mirror; null when there is none or it cannot be read (it is a help, never the source of truth). */
export function readAppsMirror (path: string): StoredApp[] | null {
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<MirrorFile>
    return file.version === 1 && Array.isArray(file.apps) ? [...file.apps] : null
  } catch {
    return null
  }
}

/**
 * The store, with apps.json rewritten after every successful change of an app (create, save, delete).
 * sup.db stays the source of truth: a failed mirror write is reported, never fails the operation.
 */
export function withAppsMirror (store: StateStore, path: string, onError: (err: unknown) => void): StateStore & { syncMirror (): void } {
  const syncMirror = (): void => {
    try { writeAppsMirror(path, store.listApps()) } catch (err) { onError(err) }
  }
  return {
    ...store,
    createApp (app, workers) { store.createApp(app, workers); syncMirror() },
    saveApp (app) { store.saveApp(app); syncMirror() },
    deleteApp (name) { store.deleteApp(name); syncMirror() },
    syncMirror
  }
}
