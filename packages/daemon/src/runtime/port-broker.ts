// Hands out ports across all apps: never two workers on one port, never a port something else listens on.
import { appRoomError, candidatePorts, portExhaustedError, type PortRange } from '../core/port-allocator.ts'
import type { PortProbe } from '../core/ports.ts'

/**
 * The one name a worker holds its port under: `<app>:<instance>`. A runner and its reload replacement share it
 * (they hold different ports); every claim and every release goes through this function, so a port is always
 * released under the name it was claimed with.
 */
export function holderOf (app: string, instance: number): string {
  return `${app}:${instance}`
}

/** One held port, as `GET /daemon/ports` shows it. */
export interface HeldPort { readonly port: number; readonly holder: string }

export interface PortBroker {
  /** Claims `count` ports of the range (preferring `preferred`, in order), all or none; throws SUP_ERR_PORT_EXHAUSTED. */
  claim (range: PortRange, holders: readonly string[], preferred?: ReadonlyArray<number | null>): Promise<number[]>
  /** Marks a port as held without probing (a running worker re-adopted or restored from state). */
  hold (port: number, holder: string): void
  /** Frees `port` if `holder` holds it (its name without a `(pid …)` note); a stale release of a port another worker took is a no-op. */
  release (port: number, holder: string): void
  /** Adds a note to the holder of a port, e.g. `(pid 123)` once the pid is known (shown in SUP_ERR_PORT_EXHAUSTED). */
  describe (port: number, holder: string): void
  /** Every held port, sorted by port. */
  list (): HeldPort[]
  /**
   * How many workers of `app` the range has room for: ports of the range held by `app` itself, plus those no one
   * holds and nothing listens on. Throws SUP_ERR_PORT_EXHAUSTED (naming the holders) when that is under `needed`.
   */
  checkRoom (range: PortRange, app: string, needed: number): Promise<number>
}

/** `api:1 (pid 123)` -> `api:1` */
const baseName = (holder: string): string => holder.split(' ')[0] ?? holder

/** Claims are serialized, so two concurrent starts never probe and take the same port. */
export function createPortBroker (probe: PortProbe): PortBroker {
  /** port -> holder as shown in errors (`api:1 (pid 123)`); its base name is the owner. */
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

  async function roomNow (range: PortRange, app: string, needed: number): Promise<number> {
    let room = 0
    const foreign: number[] = []
    for (let p = range.from; p <= range.to; p++) {
      const who = held.get(p)
      if (who !== undefined) { if (baseName(who).startsWith(`${app}:`)) room++; continue }
      if (await probe.isFree(p)) room++
      else foreign.push(p)
    }
    if (room < needed) {
      throw appRoomError(range, app, needed, room, held, foreign)
    }
    return room
  }

  function serialized<T> (fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn)
    queue = run.catch(() => undefined)
    return run
  }

  return {
    claim: (range, holders, preferred = []) => serialized(() => claimNow(range, holders, preferred)),
    hold (port, holder) { held.set(port, holder) },
    release (port, holder) {
      const who = held.get(port)
      if (who !== undefined && baseName(who) === baseName(holder)) held.delete(port)
    },
    describe (port, holder) { if (held.has(port)) held.set(port, holder) },
    list: () => [...held].sort(([a], [b]) => a - b).map(([port, who]) => ({ port, holder: baseName(who) })),
    checkRoom: (range, app, needed) => serialized(() => roomNow(range, app, needed))
  }
}
