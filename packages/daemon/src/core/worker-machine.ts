// The worker lifecycle as a pure state machine: (snapshot, event, policy, now) -> next snapshot + effects.
import { decideRestart, type RestartPolicy } from './restart-policy.ts'
import { SUP_ERR_ILLEGAL_TRANSITION } from '../errors.ts'
import type { ExitInfo, WorkerSnapshot, WorkerState } from './worker-state.ts'

export type { ExitInfo, WorkerSnapshot, WorkerState } from './worker-state.ts'

/** Timers belong to the state that armed them; leaving that state cancels them (no stale `retry` after `stop`). */
export type TimerName = 'listen' | 'stable' | 'retry' | 'rearm' | 'kill'

export type WorkerEvent =
  | { type: 'start'; reason: string }
  | { type: 'stop'; reason: string }
  | { type: 'spawned'; pid: number }
  | { type: 'spawn-failed'; message: string }
  | { type: 'ready' }
  | { type: 'exit'; code: number | null; signal: string | null }
  /** `why`, for the listen timer: what the worker listened on instead (core/not-ready.ts), the end of the reason. */
  | { type: 'timer'; timer: TimerName; why?: string }
  /** A new daemon picks the worker up from the store; `alive` says whether its process was found and adopted. */
  | { type: 'resume'; alive: boolean }
  /** A restart not caused by an exit (`sup restart`, a health, rule or cron replacement): it counts like a crash restart. */
  | { type: 'count-restart'; restartTimes: readonly number[] }
  /** Restarting it again would flap (core/restart-policy.ts decideReplacement): a stopped worker gives up like a crash loop. */
  | { type: 'give-up'; reason: string }

/** What the runner must do, in order. `persist` always comes before the action it records. */
export type Effect =
  | { type: 'persist' }
  | { type: 'emit'; from: WorkerState; to: WorkerState; reason: string; data?: Record<string, unknown> }
  | { type: 'cancel-timers' }
  | { type: 'arm-timer'; timer: TimerName; ms: number }
  | { type: 'spawn' }
  /** Send a signal to the worker's whole process tree (group + marked descendants). */
  | { type: 'signal'; signal: string }
  /** SIGKILL whatever is left of the current process tree and forget it (its exit is not reported). */
  | { type: 'reap' }

export interface Step { readonly snapshot: WorkerSnapshot; readonly effects: readonly Effect[] }

export interface MachineContext { readonly policy: RestartPolicy; readonly now: number; readonly random: () => number }

/** States in which a process may exist and can be signalled (supervisord's SIGNALLABLE_STATES). */
export const SIGNALLABLE: readonly WorkerState[] = ['starting', 'online', 'stopping']
/** States in which the worker is not running and will not start by itself. */
export const STOPPED_STATES: readonly WorkerState[] = ['stopped', 'exited', 'errored']
/** States counted as "wanting to run" for an app in the running state. */
export const RUNNING_STATES: readonly WorkerState[] = ['starting', 'online', 'backoff', 'errored']

/** A brand-new worker, never started. */
export function initialSnapshot (): WorkerSnapshot {
  return { state: 'stopped', pid: null, attempt: 0, restarts: 0, restartTimes: [], lastExit: null }
}

function enter (s: WorkerSnapshot, to: WorkerState, reason: string, patch: Partial<WorkerSnapshot>, actions: Effect[], data?: Record<string, unknown>): Step {
  const snapshot = { ...s, ...patch, state: to }
  const emit: Effect = data === undefined ? { type: 'emit', from: s.state, to, reason } : { type: 'emit', from: s.state, to, reason, data }
  return { snapshot, effects: [{ type: 'persist' }, emit, ...actions] }
}

function stay (s: WorkerSnapshot, patch: Partial<WorkerSnapshot>, actions: Effect[]): Step {
  return { snapshot: { ...s, ...patch }, effects: [{ type: 'persist' }, ...actions] }
}

function illegal (s: WorkerSnapshot, e: WorkerEvent): never {
  throw new SUP_ERR_ILLEGAL_TRANSITION(e.type === 'timer' ? `timer ${e.timer}` : e.type, s.state)
}

function spawnEffects (ctx: MachineContext): Effect[] {
  return [{ type: 'cancel-timers' }, { type: 'spawn' }, { type: 'arm-timer', timer: 'listen', ms: ctx.policy.listenTimeoutMs }]
}

/** A start that failed or a process that ended: ask the restart policy where to go. */
function afterExit (s: WorkerSnapshot, exit: ExitInfo, why: string, ctx: MachineContext, extra: Effect[]): Step {
  const d = decideRestart(s, exit, ctx.policy, ctx.now, ctx.random)
  const base = { pid: null, lastExit: exit }
  const data = { code: exit.code, signal: exit.signal }
  switch (d.action) {
    case 'restart':
      // STARTING|ONLINE -> BACKOFF: restart after the chosen delay (0 for the first after a stable run)
      return enter(s, 'backoff', `${why}; restart in ${d.delayMs} ms`, { ...base, attempt: s.attempt + 1, restarts: s.restarts + 1, restartTimes: d.restartTimes },
        [{ type: 'cancel-timers' }, ...extra, { type: 'arm-timer', timer: 'retry', ms: d.delayMs }], { ...data, delayMs: d.delayMs, attempt: s.attempt + 1 })
    case 'errored':
      // STARTING|ONLINE -> ERRORED: flapping; re-armed after retryIn
      return enter(s, 'errored', `${why}; ${d.reason}`, { ...base, restartTimes: d.restartTimes },
        [{ type: 'cancel-timers' }, ...extra, { type: 'arm-timer', timer: 'rearm', ms: ctx.policy.retryInMs }], { ...data, retryInMs: ctx.policy.retryInMs })
    case 'exit':
      // STARTING|ONLINE -> EXITED: the policy does not restart this exit
      return enter(s, 'exited', `${why}; ${d.reason}`, base, [{ type: 'cancel-timers' }, ...extra], data)
  }
}

export function describeExit (exit: ExitInfo): string {
  return exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${String(exit.code)}`
}

/** The transition table. Any (state, event) pair not handled here throws SUP_ERR_ILLEGAL_TRANSITION. */
export function transition (s: WorkerSnapshot, e: WorkerEvent, ctx: MachineContext): Step {
  switch (e.type) {
    case 'start':
      // STOPPED|EXITED|ERRORED|BACKOFF -> STARTING: asked to run (boot, `sup start`, `sup restart`, scale up)
      if (s.state === 'stopped' || s.state === 'exited' || s.state === 'errored' || s.state === 'backoff') {
        // errored gets a fresh flapping budget (`sup restart` retries at once); a stop keeps the window (every restart counts)
        const fresh = s.state === 'backoff' ? {} : s.state === 'errored' ? { attempt: 0, restartTimes: [] } : { attempt: 0 }
        return enter(s, 'starting', e.reason, fresh, spawnEffects(ctx))
      }
      return illegal(s, e)
    case 'stop':
      // STARTING|ONLINE -> STOPPING: signal the group, escalate to SIGKILL after killTimeout
      if (s.state === 'starting' || s.state === 'online') {
        return enter(s, 'stopping', e.reason, {}, [{ type: 'cancel-timers' }, { type: 'signal', signal: ctx.policy.killSignal }, { type: 'arm-timer', timer: 'kill', ms: ctx.policy.killTimeoutMs }])
      }
      // BACKOFF|ERRORED -> STOPPED: nothing runs; drop the pending retry
      if (s.state === 'backoff' || s.state === 'errored') return enter(s, 'stopped', e.reason, {}, [{ type: 'cancel-timers' }])
      // STOPPED|EXITED|STOPPING -> same: already stopped or on its way (idempotent)
      if (s.state === 'stopped' || s.state === 'exited' || s.state === 'stopping') return { snapshot: s, effects: [] }
      return illegal(s, e)
    case 'spawned':
      // STARTING -> STARTING: the process exists; record its pid before anything else happens to it
      if (s.state === 'starting') return stay(s, { pid: e.pid }, [])
      return illegal(s, e)
    case 'spawn-failed':
      // STARTING -> BACKOFF|ERRORED|EXITED: could not even create the process
      if (s.state === 'starting') return afterExit(s, { code: null, signal: null }, `spawn failed: ${e.message}`, ctx, [])
      return illegal(s, e)
    case 'ready':
      // STARTING -> ONLINE: port accepts connections (or the app sent 'ready'); stable after minUptime
      if (s.state === 'starting') return enter(s, 'online', 'ready', {}, [{ type: 'cancel-timers' }, { type: 'arm-timer', timer: 'stable', ms: ctx.policy.minUptimeMs }])
      return illegal(s, e)
    case 'exit': {
      const exit = { code: e.code, signal: e.signal }
      // STARTING -> BACKOFF|ERRORED|EXITED: died before it was ready (a failed start)
      if (s.state === 'starting') return afterExit(s, exit, `${describeExit(exit)} before ready`, ctx, [{ type: 'reap' }])
      // ONLINE -> BACKOFF|ERRORED|EXITED: unexpected exit
      if (s.state === 'online') return afterExit(s, exit, describeExit(exit), ctx, [{ type: 'reap' }])
      // STOPPING -> STOPPED: the process ended as asked; kill any straggler of its tree
      if (s.state === 'stopping') return enter(s, 'stopped', describeExit(exit), { pid: null, lastExit: exit }, [{ type: 'cancel-timers' }, { type: 'reap' }], { code: exit.code, signal: exit.signal })
      return illegal(s, e)
    }
    case 'timer':
      return onTimer(s, e, ctx)
    case 'resume':
      return onResume(s, e, ctx)
    case 'count-restart':
      // ANY -> same: one more restart in the count and the flapping window (the worker itself is restarted by the caller)
      return stay(s, { restarts: s.restarts + 1, restartTimes: e.restartTimes }, [])
    case 'give-up':
      // STOPPED -> ERRORED: replaced too often within the window; re-armed after retryIn
      if (s.state === 'stopped') return enter(s, 'errored', e.reason, {}, [{ type: 'cancel-timers' }, { type: 'arm-timer', timer: 'rearm', ms: ctx.policy.retryInMs }], { retryInMs: ctx.policy.retryInMs })
      return illegal(s, e)
    default: {
      const never: never = e
      return never
    }
  }
}

function onTimer (s: WorkerSnapshot, e: Extract<WorkerEvent, { type: 'timer' }>, ctx: MachineContext): Step {
  switch (e.timer) {
    case 'listen':
      // STARTING -> BACKOFF|ERRORED|EXITED: not ready in time is a failed start, never "online anyway"
      if (s.state === 'starting') return afterExit(s, { code: null, signal: null }, `not ready within ${ctx.policy.listenTimeoutMs} ms${e.why ?? ''}`, ctx, [{ type: 'reap' }])
      return illegal(s, e)
    case 'stable':
      // ONLINE -> ONLINE: it stayed up minUptime; the next restart is immediate again
      if (s.state === 'online') return stay(s, { attempt: 0 }, [])
      return illegal(s, e)
    case 'retry':
      // BACKOFF -> STARTING: the delay is over
      if (s.state === 'backoff') return enter(s, 'starting', 'restart delay elapsed', {}, spawnEffects(ctx))
      return illegal(s, e)
    case 'rearm':
      // ERRORED -> STARTING: retryIn elapsed; a fresh flapping budget
      if (s.state === 'errored') return enter(s, 'starting', `re-armed after ${ctx.policy.retryInMs} ms`, { attempt: 0, restartTimes: [] }, spawnEffects(ctx))
      return illegal(s, e)
    case 'kill':
      // STOPPING -> STOPPING: the grace period is over; SIGKILL the whole group
      if (s.state === 'stopping') return stay(s, {}, [{ type: 'signal', signal: 'SIGKILL' }])
      return illegal(s, e)
    default: {
      const never: never = e.timer
      return never
    }
  }
}

/** A new daemon took over: re-arm what the old one was waiting for; a process that died meanwhile is an exit. */
function onResume (s: WorkerSnapshot, e: Extract<WorkerEvent, { type: 'resume' }>, ctx: MachineContext): Step {
  if ((s.state === 'starting' || s.state === 'online' || s.state === 'stopping') && !e.alive) {
    // STARTING|ONLINE|STOPPING -> (as for an exit): it ended while no daemon watched; its status is unknown
    return transition(s, { type: 'exit', code: null, signal: null }, ctx)
  }
  switch (s.state) {
    // STARTING -> STARTING: adopted; a fresh listen timeout
    case 'starting': return stay(s, {}, [{ type: 'cancel-timers' }, { type: 'arm-timer', timer: 'listen', ms: ctx.policy.listenTimeoutMs }])
    // ONLINE -> ONLINE: adopted; stable again after minUptime
    case 'online': return stay(s, {}, [{ type: 'cancel-timers' }, { type: 'arm-timer', timer: 'stable', ms: ctx.policy.minUptimeMs }])
    // STOPPING -> STOPPING: finish the stop in flight, with the full grace period
    case 'stopping': return stay(s, {}, [{ type: 'cancel-timers' }, { type: 'signal', signal: ctx.policy.killSignal }, { type: 'arm-timer', timer: 'kill', ms: ctx.policy.killTimeoutMs }])
    // BACKOFF -> BACKOFF: the pending restart, after the base delay
    case 'backoff': return stay(s, {}, [{ type: 'cancel-timers' }, { type: 'arm-timer', timer: 'retry', ms: ctx.policy.restartDelayMs }])
    // ERRORED -> ERRORED: re-armed after a full retryIn from now
    case 'errored': return stay(s, {}, [{ type: 'cancel-timers' }, { type: 'arm-timer', timer: 'rearm', ms: ctx.policy.retryInMs }])
    // STOPPED|EXITED -> same: nothing was pending
    case 'stopped': case 'exited': return { snapshot: s, effects: [] }
    default: { const never: never = s.state; return never }
  }
}
