// A worker process left running by an earlier daemon life, taken over by pid + start time + marker (docs: crash safety).
import { setTimeout as sleep } from 'node:timers/promises'
import type { ExitResult, WorkerProcess } from '../core/ports.ts'
import { listMarkedPids, readStartTime } from './proc-table.ts'
import { signalTree as signalWorkerTree } from './tree-signal.ts'

/**
 * How often adopted processes (not our children: no exit event) are checked for life: one tick for all of them. An
 * adopted worker is the steady state of a long-lived box (after any `sup daemon --restart`, upgrade or crash), so
 * the tick is slow while nothing waits (a crash is seen within a second), and fast while a stop waits for one.
 * At 100 ms throughout, 4 adopted workers cost an idle daemon 0.5 % of a core.
 */
export const WATCH_MS = 1_000
/** The tick while some watched process was signalled and its end is awaited (a stop, a restart). */
export const HURRY_MS = 100
const GIVE_UP_AFTER_GRACE_MS = 5_000

/** The timer functions a life watch uses (injectable: the test counts them). */
export interface IntervalTimers {
  setInterval (fn: () => void, ms: number): unknown
  clearInterval (handle: unknown): void
}

/** Checks every adopted process on one shared tick; the tick runs only while some process is watched. */
export interface LifeWatch {
  /** Resolves once isGone() is true at a tick; the tick is fast while urgent() of some watched process is. */
  untilGone (isGone: () => boolean, urgent?: () => boolean): Promise<void>
  /** An urgent() became true: the tick goes fast now, not after the slow tick under way. */
  hurry (): void
}

const REAL_TIMERS: IntervalTimers = { setInterval: (fn, ms) => setInterval(fn, ms), clearInterval: (h) => { clearInterval(h as NodeJS.Timeout) } }

export function createLifeWatch (slowMs = WATCH_MS, fastMs = HURRY_MS, timers: IntervalTimers = REAL_TIMERS): LifeWatch {
  const watched = new Set<{ isGone: () => boolean; urgent: () => boolean; resolve: () => void }>()
  let handle: unknown = null
  let every = 0
  /** Runs the tick at the rate the watched processes need, or not at all. */
  const pace = (): void => {
    const ms = watched.size === 0 ? 0 : [...watched].some((w) => w.urgent()) ? fastMs : slowMs
    if (ms === every) return
    if (handle !== null) timers.clearInterval(handle)
    handle = ms === 0 ? null : timers.setInterval(tick, ms)
    every = ms
  }
  const tick = (): void => {
    for (const w of watched) if (w.isGone()) { watched.delete(w); w.resolve() }
    pace()
  }
  return {
    untilGone (isGone, urgent = () => false) {
      if (isGone()) return Promise.resolve()
      return new Promise<void>((resolve) => {
        watched.add({ isGone, urgent, resolve })
        pace()
      })
    },
    hurry: pace
  }
}

/** False once no process has this pid (kill(2) with signal 0: ESRCH); a zombie still has it. */
export function pidExists (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** How an adopted process is looked at (injectable: the test counts the reads). */
export interface AdoptedProbes {
  exists (pid: number): boolean
  startTime (pid: number): number | null
}

const PROC_PROBES: AdoptedProbes = { exists: pidExists, startTime: readStartTime }

/**
 * Wraps a running process that is not our child. Its exit status cannot be known (only its parent
 * could wait for it), so `exited` resolves with code and signal null once the pid is gone or reused.
 */
export function adoptProcess (pid: number, marker: string, startTime: number, life: LifeWatch, probes: AdoptedProbes = PROC_PROBES): WorkerProcess {
  const isMainGone = (): boolean => probes.startTime(pid) !== startTime
  /** Once we signalled it, its end is awaited: the watch ticks fast until it is gone. */
  let signalled = false
  /** The watch's check: gone when the pid is (reaped: one kill(pid, 0)), or when its start time differs (a zombie nobody reaps, a reused pid). */
  const isGoneOnTick = (): boolean => !probes.exists(pid) || isMainGone()
  const exited = life.untilGone(isGoneOnTick, () => signalled).then((): ExitResult => ({ code: null, signal: null }))

  const signalTree = (signal: string): void => {
    if (!signalled) { signalled = true; life.hurry() }
    signalWorkerTree(isMainGone() ? [] : [pid], listMarkedPids(marker), signal)
  }
  const isTreeGone = (): boolean => isMainGone() && listMarkedPids(marker).length === 0

  return {
    pid,
    exited,
    signalTree,
    async waitTreeGone (graceMs) {
      const start = performance.now()
      while (!isTreeGone()) {
        const elapsed = performance.now() - start
        if (elapsed >= graceMs + GIVE_UP_AFTER_GRACE_MS) return
        if (elapsed >= graceMs) signalTree('SIGKILL')
        await sleep(25)
      }
    },
    onMessage () { /* no IPC channel survives a daemon restart */ }
  }
}
