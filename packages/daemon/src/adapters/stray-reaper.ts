// Stops processes an earlier daemon life left behind (found by this home's marker in /proc), by pid, never by name.
import type { ProcessTable } from '../core/ports.ts'
import { groupLeaders, signalTree } from './tree-signal.ts'

/** Each stray's process group (when it leads one) and each stray outside those groups: one signal per process. */
function signal (pids: readonly number[], sig: NodeJS.Signals): void {
  signalTree(groupLeaders(pids), pids, sig)
}

/**
 * SIGTERM every marked process whose marker is not kept, SIGKILL what is left after graceMs; resolves with how many
 * there were. `marked` is a reading of /proc the caller just made (boot's, for adoption), else one is made here.
 */
export async function reapMarked (procs: ProcessTable, prefix: string, keep: ReadonlySet<string>, graceMs: number, marked: ReadonlyArray<{ pid: number; marker: string }> = procs.findMarked(`${prefix}:`)): Promise<number> {
  const strays = (): Array<{ pid: number }> => procs.findMarked(`${prefix}:`).filter((p) => !keep.has(p.marker))
  const found = marked.filter((p) => !keep.has(p.marker))
  if (found.length === 0) return 0
  signal(found.map((p) => p.pid), 'SIGTERM')
  const deadline = performance.now() + graceMs
  while (performance.now() < deadline) {
    if (strays().length === 0) return found.length
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  signal(strays().map((p) => p.pid), 'SIGKILL')
  return found.length
}
