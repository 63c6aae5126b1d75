// Keeps sup-logd (the log collector, docs/logs.md) running beside the daemon: starts it, checks it, stops it.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { isLockHeld } from './home-lock.ts'

export interface LogdKeeper {
  /** Starts sup-logd unless one already holds its lock; resolves once it answers (bounded). */
  ensure (): Promise<boolean>
  /** Checks every intervalMs and restarts it when it is gone; returns a cancel function. */
  watch (intervalMs: number, onRestart: () => void): () => void
  /** SIGTERMs it (it flushes and exits) and waits until its lock is free; SIGKILL after graceMs. */
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

/** True when a sup-logd holds its lock. */
async function isAlive (lockPath: string): Promise<boolean> {
  return isLockHeld(lockPath)
}

async function until (fn: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (await fn()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return false
}

export function createLogdKeeper (deps: LogdKeeperDeps): LogdKeeper {
  async function ensure (): Promise<boolean> {
    if (await isAlive(deps.lockPath)) return true
    const child = spawn(process.execPath, [...deps.execArgv, deps.entry], { detached: true, stdio: 'ignore', env: { ...deps.env } })
    child.on('error', () => undefined)
    child.unref()
    return until(() => isAlive(deps.lockPath), 5_000)
  }

  return {
    ensure,
    watch (intervalMs, onRestart) {
      let busy = false
      const timer = setInterval(() => {
        if (busy) return
        busy = true
        void isAlive(deps.lockPath).then(async (alive) => {
          if (!alive) { await ensure(); onRestart() }
        }).finally(() => { busy = false })
      }, intervalMs)
      timer.unref()
      return () => clearInterval(timer)
    },
    async stop (graceMs) {
      let pid = 0
      try { pid = Number(readFileSync(deps.pidPath, 'utf8').trim()) } catch { return }
      if (!Number.isInteger(pid) || pid <= 0) return
      try { process.kill(pid, 'SIGTERM') } catch { return }
      if (await until(async () => !(await isAlive(deps.lockPath)), graceMs)) return
      try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
    }
  }
}
