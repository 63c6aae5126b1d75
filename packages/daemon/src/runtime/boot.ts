// Boot: rebuilds every app from the store, adopts workers still alive, then runs core/boot-plan.ts's decision per worker.
import { DEFAULT_DRAIN_MS, DEFAULT_LOGS, upgradeSpec as upgradeNewFields, type AppSpec } from '../core/app-spec.ts'
import { planBoot, type BootAction } from '../core/boot-plan.ts'
import type { StoredApp, StoredWorker, WorkerProcess } from '../core/ports.ts'
import { rulesOf } from '../core/resource-rules.ts'
import type { AppCommands } from './app-commands.ts'
import type { AppContext } from './app-context.ts'
import type { AppWatch } from './app-watch.ts'
import type { AppEntry } from './supervisor-types.ts'
import type { WorkerRunner } from './worker-runner.ts'

export interface BootResult { readonly adopted: number; readonly strays: number }

/** Specs stored by an older sup lack newer fields: give them the defaults. */
function upgradeSpec (app: StoredApp): AppSpec {
  const old: Partial<AppSpec> = app.spec
  return { ...upgradeNewFields(app.spec), logMaxSize: old.logMaxSize ?? DEFAULT_LOGS.maxSize, logFiles: old.logFiles ?? DEFAULT_LOGS.files, health: old.health ?? null, drainMs: old.drainMs ?? DEFAULT_DRAIN_MS, watch: old.watch ?? null, watchIgnore: old.watchIgnore ?? [], ...rulesOf(old) }
}

export function createBoot (ctx: AppContext, commands: Pick<AppCommands, 'finishScaleDown'>, watch: AppWatch) {
  const { deps, registry, events } = ctx

  /** Finds the live process of a stored worker: same pid, same start time, same marker — never the pid alone. */
  function findAlive (w: StoredWorker, marked: ReadonlyMap<string, readonly number[]>): WorkerProcess | null {
    const { pid } = w.snapshot
    if (pid === null || w.marker === null || w.pidStartTime === null) return null
    if (!(marked.get(w.marker)?.includes(pid) ?? false)) return null
    if (deps.procs.startTime(pid) !== w.pidStartTime) return null
    return deps.spawner.adopt(pid, w.marker, w.pidStartTime)
  }

  /** Every stored worker whose process is alive, taken over. */
  function adoptAlive (workers: readonly StoredWorker[]): Map<StoredWorker, WorkerProcess> {
    const marked = new Map<string, number[]>()
    for (const { pid, marker } of deps.procs.findMarked(`${deps.markerPrefix}:`)) marked.set(marker, [...(marked.get(marker) ?? []), pid])
    const adoptees = new Map<StoredWorker, WorkerProcess>()
    for (const w of workers) {
      const p = findAlive(w, marked)
      if (p !== null && w.marker !== null) adoptees.set(w, p)
    }
    return adoptees
  }

  function runAction (e: AppEntry, r: WorkerRunner, action: BootAction): void {
    switch (action) {
      case 'adopt': case 'leave': return
      case 'finish-scale-down': void commands.finishScaleDown(e, r); return
      case 'stop': void r.stop('app is stopped'); return
      case 'finish-stop-then-start': void r.stop('finishing a stop in flight').then(() => r.start('restart in flight finished')); return
      case 'start': r.start('daemon started'); return
      default: { const never: never = action; return never }
    }
  }

  /** Builds the app's entry and its runners, resumed (adopted or not). */
  function restoreApp (app: StoredApp, workers: readonly StoredWorker[], adoptees: ReadonlyMap<StoredWorker, WorkerProcess>): AppEntry {
    const spec = upgradeSpec(app)
    const e = registry.create(spec, app.desired, app.createdAt)
    registry.add(e)
    for (const w of workers.filter((x) => x.app === app.name)) {
      // Hold the worker's pipes again (an adopted worker keeps writing into them)
      try { deps.prepareOutput(spec, w.instance) } catch (err) { deps.onError(err, `${app.name}:${w.instance} output`) }
      ctx.addRunner(e, w).resume(adoptees.get(w) ?? null)
    }
    return e
  }

  /**
   * Rebuilds every app from the store. Workers still running from an earlier daemon life are adopted
   * (same pids, ports, counts); marked processes that match no stored worker are stopped; the rest is
   * brought to the wanted state. Nothing is ever doubled: a worker found alive is never spawned again.
   */
  async function boot (): Promise<BootResult> {
    const workers = deps.store.listWorkers()
    const adoptees = adoptAlive(workers)
    const strays = await deps.reapStrays(new Set([...adoptees.keys()].map((w) => w.marker ?? '')))
    for (const app of deps.store.listApps()) {
      const e = restoreApp(app, workers, adoptees)
      const runners = [...e.runners.values()]
      const alive = new Set([...adoptees.keys()].filter((w) => w.app === app.name).map((w) => w.instance))
      const plan = planBoot([{ name: app.name, instances: e.spec.instances, desired: e.desired }],
        runners.map((r) => ({ app: app.name, instance: r.instance, state: r.record().snapshot.state, alive: alive.has(r.instance) })))
      for (const step of plan) {
        const r = e.runners.get(step.instance)
        if (r !== undefined) for (const a of step.actions) runAction(e, r, a)
      }
      watch.start(e)
      events.appEvent(app.name, 'restore', `restored by a new daemon: ${alive.size} worker(s) adopted, desired ${e.desired}${strays > 0 ? `; ${strays} stray process(es) stopped` : ''}`, { adopted: alive.size, strays })
    }
    return { adopted: adoptees.size, strays }
  }

  return { boot }
}
