// Hands out ports across all apps: never two workers on one port, never a port something else listens on.
import { candidatePorts, portExhaustedError, type PortRange } from '../core/port-allocator.ts'
import type { PortProbe } from '../core/ports.ts'

export interface PortBroker {
  /** Claims `count` ports of the range (preferring `preferred`, in order), all or none; throws SUP_ERR_PORT_EXHAUSTED. */
  claim (range: PortRange, holders: readonly string[], preferred?: ReadonlyArray<number | null>): Promise<number[]>
  /** Marks a port as held without probing (a running worker re-adopted or restored from state). */
  hold (port: number, holder: string): void
  release (port: number, holder: string): void
  /** Renames the holder of a port (e.g. once the pid is known). */
  describe (port: number, holder: string): void
}

/** Claims are serialized, so two concurrent starts never probe and take the same port. */
export function createPortBroker (probe: PortProbe): PortBroker {
  const held = new Map<number, string>()
  let queue: Promise<unknown> = Promise.resolve()

  async function claimNow (range: PortRange, holders: readonly string[], preferred: ReadonlyArray<number | null>): Promise<number[]> {
    const got: number[] = []
    const foreign: number[] = []
    try {
      for (let i = 0; i < holders.length; i++) {
        let port: number | undefined
        for (const p of candidatePorts(range, held, preferred[i] ?? null)) {
          if (foreign.includes(p)) continue
          if (await probe.isFree(p)) { port = p; break }
          foreign.push(p)
        }
        if (port === undefined) {
          // All or none: drop this claim's own ports first, so the error counts the whole request and names real holders only.
          for (const p of got.splice(0)) held.delete(p)
          throw portExhaustedError(range, holders.length, held, foreign)
        }
        held.set(port, holders[i] ?? 'a worker')
        got.push(port)
      }
      return got
    } catch (err) {
      for (const p of got) held.delete(p)
      throw err
    }
  }

  return {
    claim (range, holders, preferred = []) {
      const run = queue.then(() => claimNow(range, holders, preferred))
      queue = run.catch(() => undefined)
      return run
    },
    hold (port, holder) { held.set(port, holder) },
    release (port, holder) { if (held.get(port)?.split(' ')[0] === holder.split(' ')[0]) held.delete(port) },
    describe (port, holder) { if (held.has(port)) held.set(port, holder) }
  }
}
