// What a new daemon does with each stored worker once its runner picked it up: a pure decision table (runtime/boot.ts runs it).
import type { WorkerState } from './worker-state.ts'

/**
 * - adopt: its process of an earlier daemon life is alive and was taken over (same pid, port, counts)
 * - start: it should run and does not: start it now
 * - stop: the app is stopped: make sure nothing of it runs
 * - finish-scale-down: it is past the app's instance count (a scale down cut short): stop it and forget it
 * - finish-stop-then-start: a restart was cut between its stop and its start: finish the stop, then start it
 * - leave: nothing to do (it runs, or its restart policy gave up: errored waits for retryIn, exited stays)
 */
export type BootAction = 'adopt' | 'start' | 'stop' | 'finish-scale-down' | 'finish-stop-then-start' | 'leave'

export interface BootApp { readonly name: string; readonly instances: number; readonly desired: 'running' | 'stopped' }

export interface BootWorker {
  readonly app: string
  readonly instance: number
  /** Its state once resumed: a process found dead was an exit (backoff, errored or exited; a stop in flight is stopped). */
  readonly state: WorkerState
  /** Its process of an earlier daemon life was found alive. */
  readonly alive: boolean
}

export interface BootStep { readonly app: string; readonly instance: number; readonly actions: readonly BootAction[] }

/** The one action after resuming: the table of docs/crash-safety.md "A new daemon". */
export function bootActionOf (app: BootApp, w: BootWorker): Exclude<BootAction, 'adopt'> {
  if (w.instance >= app.instances) return 'finish-scale-down'
  if (app.desired === 'stopped') return 'stop'
  switch (w.state) {
    // a restart in flight: its stop is finished with the full grace period, then it runs again
    case 'stopping': return 'finish-stop-then-start'
    // a daemon restart is invisible to the workers: errored waits for retryIn or `sup restart` (a fresh
    // flapping budget here would let a crash loop outlive its limit), exited stays as its policy left it
    case 'errored': case 'exited': return 'leave'
    // adopted and running (starting waits for its port, online stays)
    case 'starting': case 'online': return 'leave'
    // it should run: now, without the backoff delay
    case 'stopped': case 'backoff': return 'start'
    default: { const never: never = w.state; return never }
  }
}

/** One step per stored worker of a stored app, in the order given; workers of unknown apps are not planned. */
export function planBoot (apps: readonly BootApp[], workers: readonly BootWorker[]): BootStep[] {
  const byName = new Map(apps.map((a) => [a.name, a]))
  const steps: BootStep[] = []
  for (const w of workers) {
    const app = byName.get(w.app)
    if (app === undefined) continue
    const then = bootActionOf(app, w)
    steps.push({ app: w.app, instance: w.instance, actions: w.alive ? ['adopt', then] : [then] })
  }
  return steps
}
