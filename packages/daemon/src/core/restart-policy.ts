// Decides what happens after a worker's process ends: restart after a delay, give up (errored), or stay exited.
import { backoffDelayMs } from './backoff.ts'
import type { ExitInfo, WorkerSnapshot } from './worker-state.ts'

export type RestartMode = 'always' | 'on-failure' | 'never'

/** Everything the state machine needs to know about an app's lifecycle rules, in ms. */
export interface RestartPolicy {
  readonly restart: RestartMode
  readonly restartDelayMs: number
  readonly maxRestartDelayMs: number
  readonly minUptimeMs: number
  readonly maxRestarts: number
  readonly restartWindowMs: number
  readonly retryInMs: number
  readonly listenTimeoutMs: number
  readonly killTimeoutMs: number
  readonly killSignal: string
}

export type RestartDecision =
  | { action: 'restart'; delayMs: number; restartTimes: number[] }
  | { action: 'errored'; reason: string; restartTimes: number[] }
  | { action: 'exit'; reason: string }

/** A clean exit: code 0 and no signal. A failed start (no code, no signal) is not clean. */
export function isCleanExit (exit: ExitInfo): boolean {
  return exit.code === 0 && exit.signal === null
}

/** The policy decides, the caller waits (nomad's restart tracker). */
export function decideRestart (s: WorkerSnapshot, exit: ExitInfo, p: RestartPolicy, now: number, random: () => number): RestartDecision {
  if (p.restart === 'never') return { action: 'exit', reason: 'restart policy is never' }
  if (p.restart === 'on-failure' && isCleanExit(exit)) return { action: 'exit', reason: 'clean exit, restart policy is on-failure' }
  const inWindow = s.restartTimes.filter((t) => now - t < p.restartWindowMs)
  if (inWindow.length >= p.maxRestarts) {
    return { action: 'errored', reason: `${inWindow.length} restarts within ${p.restartWindowMs} ms (max ${p.maxRestarts})`, restartTimes: inWindow }
  }
  return { action: 'restart', delayMs: backoffDelayMs(s.attempt, p, random), restartTimes: [...inWindow, now] }
}
