// After a crash: an `npm ci`/`npm install` the dead daemon started may still run in a staging dir (npm is detached, in
// its own process group, so it outlives the daemon). It is ended before the staging dir is removed, or it would keep
// writing (re-creating node_modules) into a dir nobody owns.
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs'

/** The process group of a live pid (field 5 of /proc/<pid>/stat), or null. */
function pgidOf (pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])
    return Number.isSafeInteger(pgid) && pgid > 0 ? pgid : null
  } catch { return null }
}

/** Pids (ours: others' cwd is unreadable) whose working directory is `dir` or under it. */
export function processesIn (dir: string): number[] {
  let root: string
  try { root = realpathSync(dir) } catch { return [] }
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    try {
      const cwd = readlinkSync(`/proc/${name}/cwd`)
      if (cwd === root || cwd.startsWith(`${root}/`)) out.push(Number(name))
    } catch { /* gone, or not ours */ }
  }
  return out
}

const sleepSync = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms) }

/**
 * SIGKILLs every process working in `dir` (npm and its lifecycle scripts), and the process group of each that leads
 * one (npm runs detached: its scripts are in its group even when their cwd is elsewhere); waits up to `waitMs` for
 * them to be gone. Returns the pids killed.
 */
export function killProcessesIn (dir: string, waitMs = 2_000): number[] {
  const pids = processesIn(dir)
  for (const pid of pids) {
    if (pgidOf(pid) === pid) { try { process.kill(-pid, 'SIGKILL') } catch { /* gone */ } }
    try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
  }
  const deadline = Date.now() + waitMs
  while (pids.some((p) => { try { return !readFileSync(`/proc/${p}/stat`, 'latin1').includes(') Z ') } catch { return false } }) && Date.now() < deadline) sleepSync(10)
  return pids
}
