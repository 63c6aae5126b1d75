// MemoryStore: an in-memory StateStore for unit tests, with a journal of every write in order.
import type { EventInput, EventRecord, StateStore, StoredApp, StoredWorker } from '../../../packages/daemon/src/core/ports.ts'
import { SUP_ERR_APP_EXISTS } from '../../../packages/daemon/src/errors.ts'

/** One write, in the order the code under test made it. */
export type JournalEntry =
  | { op: 'createApp'; app: StoredApp; workers: StoredWorker[] }
  | { op: 'saveApp'; app: StoredApp }
  | { op: 'deleteApp'; name: string }
  | { op: 'saveWorker'; worker: StoredWorker }
  | { op: 'deleteWorker'; app: string; instance: number }
  | { op: 'addEvent'; event: EventRecord }

export interface MemoryStore extends StateStore {
  readonly journal: JournalEntry[]
  /** The stored record of one worker, or undefined. */
  worker (app: string, instance: number): StoredWorker | undefined
}

const key = (app: string, instance: number): string => `${app}\0${instance}`

/** Same contract as the sqlite store: copies in and out, createApp refuses a taken name, listEvents gives the last `limit`. */
export function createMemoryStore (): MemoryStore {
  const apps = new Map<string, StoredApp>()
  const workers = new Map<string, StoredWorker>()
  const events: EventRecord[] = []
  const journal: JournalEntry[] = []
  const copy = structuredClone
  return {
    journal,
    worker: (app, instance) => { const w = workers.get(key(app, instance)); return w === undefined ? undefined : copy(w) },
    listApps: () => [...apps.values()].sort((a, b) => a.name.localeCompare(b.name)).map((a) => copy(a)),
    createApp (app, ws) {
      if (apps.has(app.name)) throw new SUP_ERR_APP_EXISTS(app.name)
      apps.set(app.name, copy(app))
      for (const w of ws) workers.set(key(w.app, w.instance), copy(w))
      journal.push({ op: 'createApp', app: copy(app), workers: ws.map((w) => copy(w)) })
    },
    saveApp (app) { apps.set(app.name, copy(app)); journal.push({ op: 'saveApp', app: copy(app) }) },
    deleteApp (name) {
      apps.delete(name)
      for (const [k, w] of workers) if (w.app === name) workers.delete(k)
      journal.push({ op: 'deleteApp', name })
    },
    listWorkers: (app) => [...workers.values()].filter((w) => app === undefined || w.app === app)
      .sort((a, b) => a.app.localeCompare(b.app) || a.instance - b.instance).map((w) => copy(w)),
    saveWorker (w) { workers.set(key(w.app, w.instance), copy(w)); journal.push({ op: 'saveWorker', worker: copy(w) }) },
    deleteWorker (app, instance) { workers.delete(key(app, instance)); journal.push({ op: 'deleteWorker', app, instance }) },
    addEvent (e: EventInput) {
      const record: EventRecord = { ...copy(e), id: events.length + 1 }
      events.push(record)
      journal.push({ op: 'addEvent', event: copy(record) })
      return copy(record)
    },
    listEvents ({ app, limit, afterId }) {
      const hits = events.filter((e) => (app === undefined || e.app === app) && e.id > (afterId ?? 0))
      return hits.slice(Math.max(0, hits.length - limit)).map((e) => copy(e))
    },
    listEventsAfter ({ afterId, limit, app }) {
      return events.filter((e) => (app === undefined || e.app === app) && e.id > afterId).slice(0, Math.max(0, limit)).map((e) => copy(e))
    },
    close () {}
  }
}
