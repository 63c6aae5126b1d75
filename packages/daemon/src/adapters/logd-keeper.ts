// Keeps sup-logd (the log collector, docs/logs.md) running beside the daemon: starts it, checks it, stops it.
import { spawn, type ChildProcess } from 'node:child_process'
import { clearStaleLogdLock, logdLockHolder } from './logd-lock.ts'

export interface LogdKeeper {
  /** Starts sup-logd unless one already holds its lock; resolves once it holds it (bounded). Concurrent calls share one start. */
  ensure (): Promise<boolean>
  /**
   * Restarts it when it is gone; returns a cancel function. The sup-logd this keeper started is its child: its exit
   * says it is gone (no timer wakes the daemon). One adopted from an earlier daemon is checked every intervalMs. A restart
   * begins at least intervalMs after the previous one was done (a sup-logd that dies at once is not restarted in a tight loop).
   */
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

/**
 * glibc's malloc, told to give back what a burst of logs took. sup-logd reads each pipe into a fresh 64 KiB buffer and
 * frames it into one of up to ~3x that. glibc serves the 64 KiB ones from its heap (under its 128 KiB mmap threshold)
 * and maps the larger ones only until one is freed, when it raises the threshold past them (it adapts); what they
 * freed stays in its heap: an idle sup-logd held 58-75 MiB after 4 workers wrote 200,000 lines each (43 MiB before).
 * A fixed threshold of 64 KiB (setting it stops the adapting) maps each such buffer and unmaps it when it is freed:
 * 55-56.5 MiB after the same burst, no throughput lost (docs/performance.md). Other C libraries ignore these variables.
 */
export const LOGD_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '65536', MALLOC_TRIM_THRESHOLD_: '131072' }

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
  /** The sup-logd this keeper spawned, until it exits. */
  let child: ChildProcess | null = null
  /** Called when that child exits (set by watch). */
  let onChildExit: (() => void) | null = null

  async function start (): Promise<boolean> {
    if (isAlive()) return true
    // A dead holder's file would make the new sup-logd exit: the daemon, and only it, clears it (adapters/logd-lock.ts).
    clearStaleLogdLock(paths)
    const c = spawn(process.execPath, [...deps.execArgv, deps.entry], { detached: true, stdio: 'ignore', env: { ...deps.env, ...LOGD_MALLOC_ENV } })
    child = c
    c.on('error', () => undefined)
    c.on('exit', () => { if (child === c) child = null; onChildExit?.() })
    c.unref()
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
      let cancelled = false
      let lastRestartAt = -Infinity
      let poll: ReturnType<typeof setInterval> | null = null
      let retry: ReturnType<typeof setTimeout> | null = null
      const check = (): void => {
        if (cancelled || busy || starting !== null || isAlive()) { follow(); return } // a start under way (the boot's) is not a loss
        const wait = lastRestartAt + intervalMs - performance.now()
        if (wait > 0) { retry ??= setTimeout(() => { retry = null; check() }, wait); retry.unref(); return }
        busy = true
        // counted from the end of a restart: the next one begins at least intervalMs after the last one was done
        void ensure().then(() => onRestart()).finally(() => { busy = false; lastRestartAt = performance.now(); follow() })
      }
      /** Polls only while the sup-logd running is not this keeper's child (adopted, or none yet). */
      const follow = (): void => {
        if (cancelled) return
        if (child !== null) { if (poll !== null) { clearInterval(poll); poll = null } return }
        if (poll === null) { poll = setInterval(check, intervalMs); poll.unref() }
      }
      onChildExit = check
      follow()
      return () => {
        cancelled = true
        onChildExit = null
        if (poll !== null) clearInterval(poll)
        if (retry !== null) clearTimeout(retry)
      }
    },
    async stop (graceMs) {
      onChildExit = null // an exit asked for is not a loss
      const pid = logdLockHolder(paths)
      if (pid === null) return
      try { process.kill(pid, 'SIGTERM') } catch { return }
      if (await until(() => !isAlive(), graceMs)) return
      try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
      await until(() => !isAlive(), KILL_WAIT_MS) // its file may stay behind: the next daemon clears it
    }
  }
}
