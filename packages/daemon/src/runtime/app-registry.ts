// The apps the daemon holds, by name; each entry has an identity, so a job can tell "still this app" from "a new app of that name".
import type { AppSpec } from '../core/app-spec.ts'
import type { StateStore, StoredApp, StoredWorker } from '../core/ports.ts'
import { initialSnapshot } from '../core/worker-machine.ts'
import { SUP_ERR_APP_NOT_FOUND } from '../errors.ts'
import type { AppEntry } from './supervisor-types.ts'

export interface AppRegistry {
  get (name: string): AppEntry | undefined
  /** The entry, or SUP_ERR_APP_NOT_FOUND. */
  require (name: string): AppEntry
  /** A new entry (not yet added), with a fresh identity. */
  create (spec: AppSpec, desired: 'running' | 'stopped', createdAt: number): AppEntry
  add (e: AppEntry): void
  /** Forgets the entry (only this one: a newer entry of the same name stays). */
  remove (e: AppEntry): void
  /** True while `e` is the app of its name: not deleted, not replaced by a re-created app. */
  isCurrent (e: AppEntry): boolean
  all (): AppEntry[]
  /** Stores the app's new desired state first, then holds it (a store that cannot write changes nothing). */
  setDesired (e: AppEntry, desired: 'running' | 'stopped'): void
  /** Stores the app's new definition first, then holds it, for its workers' next starts too. */
  setSpec (e: AppEntry, spec: AppSpec): void
  /** Called after an app was added, removed, stopped or started. */
  onChange (fn: (app: string) => void): () => void
}

export function createAppRegistry (store: StateStore, onError: (err: unknown, where: string) => void): AppRegistry {
  const apps = new Map<string, AppEntry>()
  const listeners = new Set<(app: string) => void>()
  let lastId = 0
  const changed = (app: string): void => {
    for (const l of listeners) try { l(app) } catch (err) { onError(err, `${app} change listener`) }
  }
  return {
    get: (name) => apps.get(name),
    require (name) {
      const e = apps.get(name)
      if (e === undefined) throw new SUP_ERR_APP_NOT_FOUND(name)
      return e
    },
    create: (spec, desired, createdAt) => ({ id: ++lastId, spec, desired, createdAt, runners: new Map(), replacements: new Set() }),
    add (e) { apps.set(e.spec.name, e); changed(e.spec.name) },
    remove (e) { if (apps.get(e.spec.name) === e) { apps.delete(e.spec.name); changed(e.spec.name) } },
    isCurrent: (e) => apps.get(e.spec.name) === e,
    all: () => [...apps.values()],
    setDesired (e, desired) {
      if (e.desired === desired) return
      store.saveApp({ ...storedApp(e), desired })
      e.desired = desired
      changed(e.spec.name)
    },
    setSpec (e, spec) {
      store.saveApp({ ...storedApp(e), spec })
      e.spec = spec
      for (const r of e.runners.values()) r.setSpec(spec)
    },
    onChange (fn) { listeners.add(fn); return () => { listeners.delete(fn) } }
  }
}

/** The stored row of an app entry. */
export function storedApp (e: AppEntry): StoredApp {
  return { name: e.spec.name, spec: e.spec, desired: e.desired, createdAt: e.createdAt }
}

/** A worker never started yet, on `port` (null: a --no-port app). */
export function freshWorker (app: string, instance: number, port: number | null): StoredWorker {
  return { app, instance, snapshot: initialSnapshot(), port, marker: null, pidStartTime: null, startedAt: null }
}

