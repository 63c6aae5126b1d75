// A signal for a worker's whole tree, once to each process: its process group at once, then each process carrying its
// marker that left the group (setsid, setpgid). Never twice: two SIGTERMs are not one stop asked louder. An app whose
// `process.once('SIGTERM', shutdown)` ran the first is killed outright by the second (node's default action is back),
// and many treat a second SIGINT/SIGTERM as "quit now": either cuts the graceful shutdown `--kill-timeout` allows.
import { readProcessGroup } from './proc-table.ts'

/** process.kill that ignores processes already gone (ESRCH) or not ours (EPERM); an unknown signal still throws. */
function killQuietly (pid: number, signal: string): void {
  try {
    process.kill(pid, signal)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ESRCH' && code !== 'EPERM') throw err
  }
}

export interface TreeSignalDeps {
  kill (pid: number, signal: string): void
  /** The process group of a live process; null once it is gone. */
  groupOf (pid: number): number | null
}

const REAL: TreeSignalDeps = { kill: killQuietly, groupOf: readProcessGroup }

/**
 * Sends `signal` to each process group of `groups` (a worker's pid, when it is alive and leads its group; none when
 * it is gone: its pid may be another's now) and to each of `marked` outside those groups. Who is outside is read
 * before the groups are signalled: a process that leaves its group in between misses this signal, never gets two
 * (the SIGKILL at the end of the grace period reaches it).
 */
export function signalTree (groups: readonly number[], marked: readonly number[], signal: string, deps: TreeSignalDeps = REAL): void {
  const outside = groups.length === 0 ? marked : marked.filter((p) => { const g = deps.groupOf(p); return g === null || !groups.includes(g) })
  for (const g of groups) deps.kill(-g, signal)
  for (const p of outside) deps.kill(p, signal)
}

/** The processes of `pids` that lead their process group (setsid or setpgid(0, 0): each worker, as sup spawns it). */
export function groupLeaders (pids: readonly number[], groupOf: (pid: number) => number | null = readProcessGroup): number[] {
  return pids.filter((p) => groupOf(p) === p)
}
