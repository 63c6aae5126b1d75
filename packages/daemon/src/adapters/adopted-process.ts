// A worker process left running by an earlier daemon life, taken over by pid + start time + marker (docs: crash safety).
import { setTimeout as sleep } from 'node:timers/promises'
import type { ExitResult, WorkerProcess } from '../core/ports.ts'
import { listMarkedPids, readStartTime } from './proc-table.ts'

/** How often adopted processes (not our children: no exit event) are checked for life: one tick for all of them. */
const WATCH_MS = 100
/**
 * Each tick asks the kernel with kill(pid, 0), one syscall; every this many ticks (1 s) it reads the start time from
 * /proc (open, read, parse: ~30x the cost), which also tells a zombie nobody reaps, or a pid reused, from our worker.
 * Reading /proc on every tick cost an idle daemon with 20 adopted workers 1.6 % CPU against 0.4 % for 20 children.
 */
export const START_TIME_EVERY = 10
const GIVE_UP_AFTER_GRACE_MS = 5_000

/** The timer functions a life watch uses (injectable: the test counts them). */
export interface IntervalTimers {
  setInterval (fn: () => void, ms: number): unknown
  clearInterval (handle: unknown): void
}

/** Checks every adopted process on one shared tick; the tick runs only while some process is watched. */
export interface LifeWatch { untilGone (isGone: () => boolean): Promise<void> }

export function createLifeWatch (intervalMs = WATCH_MS, timers: IntervalTimers = { setInterval: (fn, ms) => setInterval(fn, ms), clearInterval: (h) => { clearInterval(h as NodeJS.Timeout) } }): LifeWatch {
  const watched = new Set<{ isGone: () => boolean; resolve: () => void }>()
  let handle: unknown = null
  const tick = (): void => {
    for (const w of watched) if (w.isGone()) { watched.delete(w); w.resolve() }
    if (watched.size === 0 && handle !== null) { timers.clearInterval(handle); handle = null }
  }
  return {
    untilGone (isGone) {
      if (isGone()) return Promise.resolve()
      return new Promise<void>((resolve) => {
        watched.add({ isGone, resolve })
        handle ??= timers.setInterval(tick, intervalMs)
      })
    }
  }
}

function killQuietly (pid: number, signal: string): void {
  try { process.kill(pid, signal) } catch { /* gone (ESRCH) or not ours (EPERM) */ }
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
  let ticks = 0
  /** Once we signalled it, its end is awaited: the start time is read every tick (a zombie must not wait a second). */
  let signalled = false
  /** The watch's check: gone when the pid is (reaped), or, every START_TIME_EVERY ticks, when its start time differs. */
  const isGoneOnTick = (): boolean => !probes.exists(pid) || ((signalled || ++ticks % START_TIME_EVERY === 0) && isMainGone())
  const exited = life.untilGone(isGoneOnTick).then((): ExitResult => ({ code: null, signal: null }))

  const signalTree = (signal: string): void => {
    signalled = true
    if (!isMainGone()) killQuietly(-pid, signal)
    for (const p of listMarkedPids(marker)) killQuietly(p, signal)
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
