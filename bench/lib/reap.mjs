// After a tool's own stop command: check that everything it ran is gone, end what is not.
import { pidOnPort } from './http-poll.mjs'
import { endPids, waitForDeath } from './proc.mjs'
import { deadlineIn } from './timing.mjs'
import { waitPortsFree } from './ports.mjs'

/**
 * Waits for `pids` (daemon, its helpers, workers) to exit on their own, then ends stragglers and anything
 * still answering on `ports`. Resolves warnings (empty when the tool cleaned up after itself).
 */
export async function reap ({ tool, pids, ports, waitMs = 10_000 }) {
  const warnings = []
  const known = [...new Set(pids.filter((p) => Number.isInteger(p)))]
  if (!(await waitForDeath(known, deadlineIn(waitMs)))) {
    const ended = await endPids(known)
    if (ended.length > 0) warnings.push(`${tool}: pids ${ended.join(', ')} outlived its stop command; ended by the bench`)
  }
  const answering = (await Promise.all(ports.map(pidOnPort))).filter((p) => p !== null)
  if (answering.length > 0) {
    await endPids(answering)
    warnings.push(`${tool}: pids ${answering.join(', ')} still served after stop; ended by the bench`)
  }
  if (!(await waitPortsFree(ports, deadlineIn(5000)))) warnings.push(`${tool}: ports ${ports.join(', ')} still bound after stop`)
  return warnings
}
