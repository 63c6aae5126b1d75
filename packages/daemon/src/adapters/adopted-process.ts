// A worker process left running by an earlier daemon life, taken over by pid + start time + marker (docs: crash safety).
import { setTimeout as sleep } from 'node:timers/promises'
import type { ExitResult, WorkerProcess } from '../core/ports.ts'
import { listMarkedPids, readStartTime } from './proc-table.ts'

/** How often an adopted process (not our child: no exit event) is checked for life. */
const WATCH_MS = 100
const GIVE_UP_AFTER_GRACE_MS = 5_000

function killQuietly (pid: number, signal: string): void {
  try { process.kill(pid, signal) } catch { /* gone (ESRCH) or not ours (EPERM) */ }
}

/**
 * Wraps a running process that is not our child. Its exit status cannot be known (only its parent
 * could wait for it), so `exited` resolves with code and signal null once the pid is gone or reused.
 */
export function adoptProcess (pid: number, marker: string, startTime: number): WorkerProcess {
  const isMainGone = (): boolean => readStartTime(pid) !== startTime
  let stopped = false
  const exited = (async (): Promise<ExitResult> => {
    while (!isMainGone() && !stopped) await sleep(WATCH_MS)
    return { code: null, signal: null }
  })()
  void exited.then(() => { stopped = true })

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
