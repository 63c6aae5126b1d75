// A worker process left running by an earlier daemon life, taken over by pid + start time + marker (docs: crash safety).
import { setTimeout as sleep } from 'node:timers/promises'
import type { ExitResult, WorkerProcess } from '../core/ports.ts'
import { listMarkedPids, readStartTime } from './proc-table.ts'

/** How often adopted processes (not our children: no exit event) are checked for life: one tick for all of them. */
const WATCH_MS = 100
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

/**
 * Wraps a running process that is not our child. Its exit status cannot be known (only its parent
 * could wait for it), so `exited` resolves with code and signal null once the pid is gone or reused.
 */
export function adoptProcess (pid: number, marker: string, startTime: number, life: LifeWatch): WorkerProcess {
  const isMainGone = (): boolean => readStartTime(pid) !== startTime
  const exited = life.untilGone(isMainGone).then((): ExitResult => ({ code: null, signal: null }))

  const signalTree = (signal: string): void => {
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
