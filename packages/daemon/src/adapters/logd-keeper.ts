// Keeps sup-logd (the log collector, docs/logs.md) running beside the daemon: starts it, checks it, stops it.
import { spawn } from 'node:child_process'
import { clearStaleLogdLock, logdLockHolder } from './logd-lock.ts'

export interface LogdKeeper {
  /** Starts sup-logd unless one already holds its lock; resolves once it holds it (bounded). Concurrent calls share one start. */
  ensure (): Promise<boolean>
  /** Checks every intervalMs and restarts it when it is gone; returns a cancel function. */
  watch (intervalMs: number, onRestart: () => void): () => void
  /** SIGTERMs it (it flushes and exits) and waits until it is dead; SIGKILL after graceMs. */
  stop (graceMs: number): Promise<void>
}

export interface LogdKeeperDeps {
  readonly entry: string
  readonly execArgv: readonly string[]
  readonly env: Readonly<Record<string, string>>
  /** sup-logd's lock file ($SUP_HOME/logd.lock). */
  readonly lockPath: string
  readonly pidPath: string
}

/** How long a sup-logd just spawned may take to hold its lock, and one SIGKILLed to be gone. */
const START_WAIT_MS = 5_000
const KILL_WAIT_MS = 1_000

async function until (fn: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (fn()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return false
}

export function createLogdKeeper (deps: LogdKeeperDeps): LogdKeeper {
  const paths = { lockPath: deps.lockPath, pidPath: deps.pidPath }
  /** Alive = the lock names a live holder: one small /proc read, no connection to sup-logd. */
  const isAlive = (): boolean => logdLockHolder(paths) !== null
  let starting: Promise<boolean> | null = null

  async function start (): Promise<boolean> {
    if (isAlive()) return true
    // A dead holder's file would make the new sup-logd exit: the daemon, and only it, clears it (adapters/logd-lock.ts).
    clearStaleLogdLock(paths)
    const child = spawn(process.execPath, [...deps.execArgv, deps.entry], { detached: true, stdio: 'ignore', env: { ...deps.env } })
    child.on('error', () => undefined)
    child.unref()
    return until(isAlive, START_WAIT_MS)
  }

  /** Single-flight: a call while a start is under way (the watch tick during a slow start) joins it, never spawns a second. */
  function ensure (): Promise<boolean> {
    starting ??= start().finally(() => { starting = null })
    return starting
  }

  return {
    ensure,
    watch (intervalMs, onRestart) {
      let busy = false
      const timer = setInterval(() => {
        if (busy || starting !== null || isAlive()) return // a start under way (the boot's) is not a loss
        busy = true
        void ensure().then(() => onRestart()).finally(() => { busy = false })
      }, intervalMs)
      timer.unref()
      return () => clearInterval(timer)
    },
    async stop (graceMs) {
      const pid = logdLockHolder(paths)
      if (pid === null) return
      try { process.kill(pid, 'SIGTERM') } catch { return }
      if (await until(() => !isAlive(), graceMs)) return
      try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
      await until(() => !isAlive(), KILL_WAIT_MS) // its file may stay behind: the next daemon clears it
    }
  }
}
