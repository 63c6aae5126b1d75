// The worker state machine's table: every legal (state, event) pair, every illegal one, and the rules of its effects.
import { describe, expect, it } from 'vitest'
import type { RestartPolicy } from '../../../src/core/restart-policy.ts'
import {
  initialSnapshot, transition, type Effect, type WorkerEvent, type WorkerSnapshot, type WorkerState
} from '../../../src/core/worker-machine.ts'

const POLICY: RestartPolicy = {
  restart: 'always', restartDelayMs: 100, maxRestartDelayMs: 15_000, minUptimeMs: 10_000, maxRestarts: 3,
  restartWindowMs: 60_000, retryInMs: 300_000, listenTimeoutMs: 8_000, killTimeoutMs: 5_000, killSignal: 'SIGTERM'
}
const ctx = { policy: POLICY, now: 1_000, random: () => 0.5 }

const STATES: WorkerState[] = ['starting', 'online', 'backoff', 'stopping', 'stopped', 'errored', 'exited']
const EVENTS: Record<string, WorkerEvent> = {
  start: { type: 'start', reason: 'test' },
  stop: { type: 'stop', reason: 'test' },
  spawned: { type: 'spawned', pid: 4321 },
  'spawn-failed': { type: 'spawn-failed', message: 'ENOENT' },
  ready: { type: 'ready' },
  exit: { type: 'exit', code: 1, signal: null },
  'timer listen': { type: 'timer', timer: 'listen' },
  'timer stable': { type: 'timer', timer: 'stable' },
  'timer retry': { type: 'timer', timer: 'retry' },
  'timer rearm': { type: 'timer', timer: 'rearm' },
  'timer kill': { type: 'timer', timer: 'kill' }
}

const snap = (state: WorkerState, patch: Partial<WorkerSnapshot> = {}): WorkerSnapshot =>
  ({ ...initialSnapshot(), state, pid: ['starting', 'online', 'stopping'].includes(state) ? 4321 : null, ...patch })

const SPAWN: Effect[] = [{ type: 'cancel-timers' }, { type: 'spawn' }, { type: 'arm-timer', timer: 'listen', ms: 8_000 }]
const RETRY_NOW: Effect = { type: 'arm-timer', timer: 'retry', ms: 0 }

/** DESIGN.md's lifecycle: [from, event, to, effects after persist (+ emit when the state changes)]. */
const LEGAL: Array<[WorkerState, string, WorkerState, Effect[]]> = [
  ['stopped', 'start', 'starting', SPAWN],
  ['exited', 'start', 'starting', SPAWN],
  ['errored', 'start', 'starting', SPAWN],
  ['backoff', 'start', 'starting', SPAWN],
  ['starting', 'stop', 'stopping', [{ type: 'cancel-timers' }, { type: 'signal', signal: 'SIGTERM' }, { type: 'arm-timer', timer: 'kill', ms: 5_000 }]],
  ['online', 'stop', 'stopping', [{ type: 'cancel-timers' }, { type: 'signal', signal: 'SIGTERM' }, { type: 'arm-timer', timer: 'kill', ms: 5_000 }]],
  ['backoff', 'stop', 'stopped', [{ type: 'cancel-timers' }]],
  ['errored', 'stop', 'stopped', [{ type: 'cancel-timers' }]],
  ['starting', 'spawned', 'starting', []],
  ['starting', 'spawn-failed', 'backoff', [{ type: 'cancel-timers' }, RETRY_NOW]],
  ['starting', 'ready', 'online', [{ type: 'cancel-timers' }, { type: 'arm-timer', timer: 'stable', ms: 10_000 }]],
  ['starting', 'exit', 'backoff', [{ type: 'cancel-timers' }, { type: 'reap' }, RETRY_NOW]],
  ['online', 'exit', 'backoff', [{ type: 'cancel-timers' }, { type: 'reap' }, RETRY_NOW]],
  ['stopping', 'exit', 'stopped', [{ type: 'cancel-timers' }, { type: 'reap' }]],
  ['starting', 'timer listen', 'backoff', [{ type: 'cancel-timers' }, { type: 'reap' }, RETRY_NOW]],
  ['online', 'timer stable', 'online', []],
  ['backoff', 'timer retry', 'starting', SPAWN],
  ['errored', 'timer rearm', 'starting', SPAWN],
  ['stopping', 'timer kill', 'stopping', [{ type: 'signal', signal: 'SIGKILL' }]]
]
/** Stop is idempotent: nothing to do, nothing persisted. */
const NO_OPS: Array<[WorkerState, string]> = [['stopped', 'stop'], ['exited', 'stop'], ['stopping', 'stop']]

const isListed = (s: WorkerState, e: string): boolean =>
  LEGAL.some(([from, ev]) => from === s && ev === e) || NO_OPS.some(([from, ev]) => from === s && ev === e)
const ILLEGAL = STATES.flatMap((s) => Object.keys(EVENTS).filter((e) => !isListed(s, e)).map((e) => [s, e] as [WorkerState, string]))

describe('transition table', () => {
  it('covers every (state, event) pair exactly once', () => {
    expect(LEGAL.length + NO_OPS.length + ILLEGAL.length).toBe(STATES.length * Object.keys(EVENTS).length)
  })

  it.each(LEGAL)('%s --%s--> %s', (from, event, to, actions) => {
    const step = transition(snap(from), EVENTS[event]!, ctx)
    expect(step.snapshot.state).toBe(to)
    if (from === to) {
      expect(step.effects).toEqual([{ type: 'persist' }, ...actions])
    } else {
      expect(step.effects[0]).toEqual({ type: 'persist' })
      expect(step.effects[1]).toMatchObject({ type: 'emit', from, to, reason: expect.stringMatching(/\S/) })
      expect(step.effects.slice(2)).toEqual(actions)
    }
  })

  it.each(NO_OPS)('%s --%s--> unchanged, no effects', (from, event) => {
    const before = snap(from)
    const step = transition(before, EVENTS[event]!, ctx)
    expect(step.snapshot).toEqual(before)
    expect(step.effects).toEqual([])
  })

  it.each(ILLEGAL)('%s --%s--> throws SUP_ERR_ILLEGAL_TRANSITION', (from, event) => {
    const fn = (): unknown => transition(snap(from), EVENTS[event]!, ctx)
    expect(fn).toThrow(expect.objectContaining({ code: 'SUP_ERR_ILLEGAL_TRANSITION', message: expect.stringContaining(`'${from}'`) }))
  })

  it.each(LEGAL.filter(([from, , to]) => from !== to))('%s --%s--> %s: one persist first, one emit, timers of the old state cancelled before anything runs', (from, event) => {
    const { effects } = transition(snap(from), EVENTS[event]!, ctx)
    expect(effects.filter((e) => e.type === 'persist')).toHaveLength(1)
    expect(effects.filter((e) => e.type === 'emit')).toHaveLength(1)
    const cancel = effects.findIndex((e) => e.type === 'cancel-timers')
    expect(cancel).toBeGreaterThan(1)
    const acts = effects.map((e, i) => [e.type, i] as const).filter(([t]) => t === 'spawn' || t === 'arm-timer' || t === 'signal' || t === 'reap')
    for (const [, i] of acts) expect(i).toBeGreaterThan(cancel)
  })
})

describe('snapshot bookkeeping', () => {
  it('records the pid on spawned and drops it when the process ends', () => {
    const spawned = transition(snap('starting', { pid: null }), { type: 'spawned', pid: 77 }, ctx).snapshot
    expect(spawned.pid).toBe(77)
    const online = transition(spawned, { type: 'ready' }, ctx).snapshot
    const crashed = transition(online, { type: 'exit', code: null, signal: 'SIGSEGV' }, ctx).snapshot
    expect(crashed).toMatchObject({ state: 'backoff', pid: null, restarts: 1, attempt: 1, lastExit: { code: null, signal: 'SIGSEGV' }, restartTimes: [1_000] })
  })

  it('a stop-then-exit records the exit but is not a restart', () => {
    const stopping = transition(snap('online'), { type: 'stop', reason: 'user' }, ctx).snapshot
    const stopped = transition(stopping, { type: 'exit', code: null, signal: 'SIGTERM' }, ctx).snapshot
    expect(stopped).toMatchObject({ state: 'stopped', pid: null, restarts: 0, lastExit: { code: null, signal: 'SIGTERM' } })
  })

  it('the emitted event of a crash carries the exit code, signal and the chosen delay', () => {
    const { effects } = transition(snap('online', { attempt: 2 }), { type: 'exit', code: null, signal: 'SIGKILL' }, ctx)
    expect(effects).toContainEqual({ type: 'emit', from: 'online', to: 'backoff', reason: expect.stringContaining('SIGKILL'), data: { code: null, signal: 'SIGKILL', delayMs: 200, attempt: 3 } })
  })

  it.each<[WorkerState, number]>([['stopped', 0], ['exited', 0], ['errored', 0], ['backoff', 4]])('start from %s leaves attempt at %i', (from, attempt) => {
    const next = transition(snap(from, { attempt: 4, restartTimes: [900] }), { type: 'start', reason: 'user' }, ctx).snapshot
    expect(next.attempt).toBe(attempt)
  })

  it('the stable timer resets the attempt count but keeps the flapping window', () => {
    const next = transition(snap('online', { attempt: 5, restartTimes: [100, 200] }), { type: 'timer', timer: 'stable' }, ctx).snapshot
    expect(next).toMatchObject({ state: 'online', attempt: 0, restartTimes: [100, 200] })
  })

  it('uses the policy killSignal for stop', () => {
    const { effects } = transition(snap('online'), { type: 'stop', reason: 'user' }, { ...ctx, policy: { ...POLICY, killSignal: 'SIGINT', killTimeoutMs: 1_234 } })
    expect(effects).toContainEqual({ type: 'signal', signal: 'SIGINT' })
    expect(effects).toContainEqual({ type: 'arm-timer', timer: 'kill', ms: 1_234 })
  })
})
