// Port decisions: which ports of a range a worker may try, and the error when none is left.
import { SUP_ERR_INVALID_SPEC, SUP_ERR_PORT_EXHAUSTED } from '../errors.ts'

export interface PortRange { readonly from: number; readonly to: number }

/** Ports below this need root; sup never hands them out. */
export const MIN_PORT = 1024
export const MAX_PORT = 65535

/** Parses "8000-8004" or "8000"; refuses privileged, inverted and out-of-range ranges. */
export function parsePortRange (text: string): PortRange {
  const m = /^\s*(\d{1,6})\s*(?:-\s*(\d{1,6}))?\s*$/.exec(text)
  if (m === null) throw new SUP_ERR_INVALID_SPEC('portRange', `'${text}' is not a range like 8000-8004`)
  const from = Number(m[1])
  const to = m[2] === undefined ? from : Number(m[2])
  if (from < MIN_PORT) throw new SUP_ERR_INVALID_SPEC('portRange', `${from} is below ${MIN_PORT} (privileged ports are not used)`)
  if (to > MAX_PORT) throw new SUP_ERR_INVALID_SPEC('portRange', `${to} is above ${MAX_PORT}`)
  if (from > to) throw new SUP_ERR_INVALID_SPEC('portRange', `${from}-${to} is inverted (start above end)`)
  return { from, to }
}

export function formatPortRange (r: PortRange): string {
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`
}

/**
 * The ports a new worker may try, lowest first: those of the range no sup worker holds.
 * `preferred` (a restarted worker's old port) goes first when it is in the range and not held by another worker.
 * The caller probes each on the host and takes the first free one.
 */
export function candidatePorts (range: PortRange, held: ReadonlyMap<number, string>, preferred?: number | null): number[] {
  const out: number[] = []
  if (preferred != null && preferred >= range.from && preferred <= range.to && !held.has(preferred)) out.push(preferred)
  for (let p = range.from; p <= range.to; p++) if (!held.has(p) && p !== preferred) out.push(p)
  return out
}

/** Who holds each port of the range (at most 20 named). */
function describeHolders (range: PortRange, held: ReadonlyMap<number, string>, foreign: readonly number[]): string {
  const parts: string[] = []
  for (let p = range.from; p <= range.to && parts.length < 20; p++) {
    const who = held.get(p)
    if (who !== undefined) parts.push(`${p} held by ${who}`)
    else if (foreign.includes(p)) parts.push(`${p} in use by a process outside sup`)
  }
  const size = range.to - range.from + 1
  return `${size} port(s)${parts.length > 0 ? `: ${parts.join(', ')}` : ', none in use'}`
}

/** The error for a range with fewer free ports than needed, naming who holds each port. */
export function portExhaustedError (range: PortRange, needed: number, held: ReadonlyMap<number, string>, foreign: readonly number[]): Error {
  const msg = `${formatPortRange(range)} has no room for ${needed} more worker(s) (${describeHolders(range, held, foreign)}). Widen the app's port range or free a port.`
  return new SUP_ERR_PORT_EXHAUSTED(msg)
}

/** The error for an app asking for more workers than its range can hold (checked before a deploy changes anything). */
export function appRoomError (range: PortRange, app: string, needed: number, room: number, held: ReadonlyMap<number, string>, foreign: readonly number[]): Error {
  const msg = `${formatPortRange(range)} has room for ${room} worker(s) of '${app}', ${needed} asked (${describeHolders(range, held, foreign)}). Nothing was changed. Widen the port range or ask for fewer instances.`
  return new SUP_ERR_PORT_EXHAUSTED(msg)
}
