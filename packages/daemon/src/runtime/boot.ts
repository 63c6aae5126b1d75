// Boot: rebuilds every app from the store, adopts workers still alive, then runs core/boot-plan.ts's decision per worker.
import { DEFAULT_DRAIN_MS, DEFAULT_LOGS, upgradeSpec as upgradeNewFields, type AppSpec } from '../core/app-spec.ts'
import { planBoot, type BootAction, type BootStep } from '../core/boot-plan.ts'
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

  /** Every stored worker whose process is alive (among the marked processes found), taken over. */
  function adoptAlive (workers: readonly StoredWorker[], found: ReadonlyArray<{ pid: number; marker: string }>): Map<StoredWorker, WorkerProcess> {
    const marked = new Map<string, number[]>()
    for (const { pid, marker } of found) marked.set(marker, [...(marked.get(marker) ?? []), pid])
    const adoptees = new Map<StoredWorker, WorkerProcess>()
    for (const w of workers) {
      const p = findAlive(w, marked)
      if (p !== null && w.marker !== null) adoptees.set(w, p)
    }
    return adoptees
  }

  async function runAction (e: AppEntry, r: WorkerRunner, action: BootAction): Promise<void> {
    switch (action) {
      case 'adopt': case 'leave': return
      case 'finish-scale-down': await commands.finishScaleDown(e, r); return
      case 'stop': await r.stop('app is stopped'); return
      case 'finish-stop-then-start':
        await r.stop('finishing a stop in flight')
        if (e.desired === 'running') r.start('restart in flight finished')
        return
      case 'start': r.start('daemon started'); return
      default: { const never: never = action; return never }
    }
  }

  /** The plan of one app runs as one job in its queue (a command sent meanwhile waits for it, as for any job). */
  function runPlan (e: AppEntry, plan: readonly BootStep[]): void {
    const name = e.spec.name
    ctx.queue.run(name, async () => {
      if (!registry.isCurrent(e)) return
      await Promise.all(plan.map(async (step) => {
        const r = e.runners.get(step.instance)
        if (r !== undefined) for (const a of step.actions) await runAction(e, r, a)
      }))
    }).catch((err: unknown) => {
      deps.onError(err, `${name} boot`)
      events.appEvent(name, 'restore-failed', `could not finish restoring the app: ${err instanceof Error ? err.message : String(err)}`)
    })
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
    // One reading of /proc (every process's environ: ~3 ms for 120 processes, more on a busy box) for adoption and strays
    const found = deps.procs.findMarked(`${deps.markerPrefix}:`)
    const adoptees = adoptAlive(workers, found)
    const strays = await deps.reapStrays(new Set([...adoptees.keys()].map((w) => w.marker ?? '')), found)
    for (const app of deps.store.listApps()) {
      const e = restoreApp(app, workers, adoptees)
      const runners = [...e.runners.values()]
      const alive = new Set([...adoptees.keys()].filter((w) => w.app === app.name).map((w) => w.instance))
      const plan = planBoot([{ name: app.name, instances: e.spec.instances, desired: e.desired }],
        runners.map((r) => ({ app: app.name, instance: r.instance, state: r.record().snapshot.state, alive: alive.has(r.instance) })))
      runPlan(e, plan)
      watch.start(e)
      events.appEvent(app.name, 'restore', `restored by a new daemon: ${alive.size} worker(s) adopted, desired ${e.desired}${strays > 0 ? `; ${strays} stray process(es) stopped` : ''}`, { adopted: alive.size, strays })
    }
    // nginx/ holds exactly the stored apps' files, and nginx has loaded them (contract: stale nginx files)
    // (not awaited: the API listens meanwhile; it only touches files of apps that do not exist)
    deps.publisher.reconcile?.(deps.store.listApps().map((a) => a.name)).then((removed) => {
      if (removed.length > 0) events.appEvent('*', 'nginx-stale-removed', `removed the upstream file of app(s) that no longer exist: ${removed.join(', ')}`, { apps: removed })
    }, (err: unknown) => deps.onError(err, 'nginx reconcile'))
    return { adopted: adoptees.size, strays }
  }

  return { boot }
}
