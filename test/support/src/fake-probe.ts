// FakePortProbe: host ports as a set the test controls; readiness happens when the test says so (or at once).
import type { PortProbe } from '../../../packages/daemon/src/core/ports.ts'

export interface FakePortProbe extends PortProbe {
  /** Ports some process outside sup listens on: isFree() is false for them. */
  readonly busy: Set<number>
  /** Every port isFree() was asked about, in order. */
  readonly probed: number[]
  /** Makes pending and future waitAccepting(port) resolve. */
  accept (port: number): void
  /** Makes future waitAccepting(port) hang again (the port stopped accepting). */
  refuse (port: number): void
  /** Number of waitAccepting() calls still waiting. */
  waiting (): number
}

export function createFakePortProbe (opts: { busy?: Iterable<number>; acceptAll?: boolean } = {}): FakePortProbe {
  const busy = new Set(opts.busy ?? [])
  const accepting = new Set<number>()
  const probed: number[] = []
  const waiters = new Set<{ port: number; resolve: () => void }>()
  const isAccepting = (port: number): boolean => opts.acceptAll === true || accepting.has(port)
  return {
    busy,
    probed,
    async isFree (port) { probed.push(port); return !busy.has(port) },
    waitAccepting (port, signal) {
      if (signal.aborted) return Promise.reject(new DOMException('aborted', 'AbortError'))
      if (isAccepting(port)) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const w = { port, resolve }
        waiters.add(w)
        signal.addEventListener('abort', () => { waiters.delete(w); reject(new DOMException('aborted', 'AbortError')) }, { once: true })
      })
    },
    accept (port) {
      accepting.add(port)
      for (const w of [...waiters]) if (w.port === port) { waiters.delete(w); w.resolve() }
    },
    refuse (port) { accepting.delete(port) },
    waiting: () => waiters.size
  }
}
