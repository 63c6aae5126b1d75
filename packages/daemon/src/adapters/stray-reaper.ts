// Stops processes an earlier daemon life left behind (found by this home's marker in /proc), by pid, never by name.
import type { ProcessTable } from '../core/ports.ts'

function signal (pid: number, sig: NodeJS.Signals): void {
  try { process.kill(-pid, sig) } catch { /* not a group leader, or gone */ }
  try { process.kill(pid, sig) } catch { /* gone */ }
}

/** SIGTERM every marked process, SIGKILL what is left after graceMs; resolves with how many there were. */
export async function reapMarked (procs: ProcessTable, prefix: string, graceMs: number): Promise<number> {
  const found = procs.findMarked(`${prefix}:`)
  if (found.length === 0) return 0
  for (const { pid } of found) signal(pid, 'SIGTERM')
  const deadline = performance.now() + graceMs
  while (performance.now() < deadline) {
    if (procs.findMarked(`${prefix}:`).length === 0) return found.length
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  for (const { pid } of procs.findMarked(`${prefix}:`)) signal(pid, 'SIGKILL')
  return found.length
}
