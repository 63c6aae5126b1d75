// Rebuilds a lost sup.db from apps.json and /proc: every app as it was defined, each worker adopted if its process runs.
import { readFileSync } from 'node:fs'
import type { StateStore, StoredApp, StoredWorker } from '../core/ports.ts'
import { initialSnapshot } from '../core/worker-machine.ts'
import { findMarkedPids, readStartTime } from './proc-table.ts'
import { readAppsMirror } from './apps-mirror.ts'
import type { DatabaseCheck } from './state-check.ts'

export interface Recovery {
  /** Apps written back into the fresh store. */
  readonly apps: number
  /** Workers whose running process was found (the supervisor's boot adopts them: same pid, port). */
  readonly adopted: number
}

/** Field 5 of /proc/<pid>/stat (the process group), counted after the `)` that ends comm. */
function processGroup (pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const group = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
    return Number.isSafeInteger(group) ? group : null
  } catch { return null }
}

/** One variable of a process's environment (/proc/<pid>/environ), null when absent or unreadable. */
function environValue (pid: number, key: string): string | null {
  try {
    const entry = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith(`${key}=`))
    return entry === undefined ? null : entry.slice(key.length + 1)
  } catch { return null }
}

/** Markers are `<prefix>:<app>:<instance>:<nonce>`; a worker's own process leads its group (spawned detached). */
function findWorker (marked: ReadonlyArray<{ pid: number; marker: string }>, prefix: string, app: string, instance: number): { pid: number; marker: string } | null {
  const head = `${prefix}:${app}:${instance}:`
  return marked.find((p) => p.marker.startsWith(head) && processGroup(p.pid) === p.pid) ?? null
}

function recoveredWorker (app: StoredApp, instance: number, found: { pid: number; marker: string } | null, wallNow: number): StoredWorker {
  const startTime = found === null ? null : readStartTime(found.pid)
  const port = found === null ? 0 : Number(environValue(found.pid, 'PORT') ?? 0)
  if (found === null || startTime === null || !Number.isSafeInteger(port) || port <= 0) {
    return { app: app.name, instance, snapshot: initialSnapshot(), port: null, marker: null, pidStartTime: null, startedAt: null }
  }
  // Restart counts and history were in the lost database: they start again from 0.
  return {
    app: app.name, instance, port, marker: found.marker, pidStartTime: startTime, startedAt: wallNow,
    snapshot: { ...initialSnapshot(), state: 'online', pid: found.pid }
  }
}

/** Writes the mirrored apps into the (fresh, empty) store, with a worker record for each running process found. */
export function restoreApps (store: StateStore, apps: readonly StoredApp[], markerPrefix: string, wallNow: number): Recovery {
  const marked = findMarkedPids(`${markerPrefix}:`)
  let adopted = 0
  for (const app of apps) {
    const workers = Array.from({ length: app.spec.instances }, (_, i) => recoveredWorker(app, i, findWorker(marked, markerPrefix, app.name, i), wallNow))
    adopted += workers.filter((w) => w.marker !== null).length
    store.createApp(app, workers)
  }
  return { apps: apps.length, adopted }
}

/** What the daemon logs and records as a `state-lost` event. */
export interface StateLoss { readonly reason: string; readonly data: Record<string, unknown> }

/**
 * After a missing, damaged or emptied sup.db: restores the apps from apps.json (their running workers are then
 * adopted, never doubled) and says what happened; null when nothing was lost. Without a mirror the fresh database knows
 * no app, so the boot stops every process of the earlier life as a stray: still one process per worker, none.
 */
export function recoverLostState (check: DatabaseCheck, store: StateStore, mirrorPath: string, markerPrefix: string, wallNow: number): StateLoss | null {
  if (check.status === 'new') return null
  const apps = readAppsMirror(mirrorPath)
  // A sound but empty sup.db while apps.json lists apps: it was replaced (e.g. re-created after a removal).
  if (check.status === 'ok' && (store.listApps().length > 0 || apps === null || apps.length === 0)) return null
  const what = check.status === 'ok'
    ? `sup.db held no app while apps.json lists ${apps?.length ?? 0} (it was replaced by an empty one)`
    : check.status === 'missing'
      ? `sup.db was missing (an earlier daemon left ${check.traces.map((t) => t.split('/').pop() ?? t).join(', ')})`
      : `sup.db was damaged (${check.detail}) and was moved to ${check.movedTo}`
  const status = check.status === 'ok' ? 'emptied' : check.status
  if (apps === null || apps.length === 0) {
    return { reason: `${what}; started with an empty state: no apps.json to restore apps from, so their processes are stopped`, data: { status, apps: 0, adopted: 0 } }
  }
  const r = restoreApps(store, apps, markerPrefix, wallNow)
  return {
    reason: `${what}; restored ${r.apps} app(s) from apps.json and found ${r.adopted} running worker(s) to adopt (restart counts and events before this are lost)`,
    data: { status, apps: r.apps, adopted: r.adopted, ...(check.status === 'corrupt' ? { movedTo: check.movedTo } : {}) }
  }
}
