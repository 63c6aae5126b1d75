// Why a worker that had to listen on its PORT did not get ready: what its process tree listened on when the time was
// up, as the end of its event's reason. Read before the tree is killed (adapters/listening-sockets.ts).

/** A TCP socket in LISTEN: its local address as text (`0.0.0.0`, `::`, `10.0.0.5`) and port. */
export interface Listener {
  readonly address: string
  readonly port: number
}

/** The addresses sup's readiness check connects to (127.0.0.1, then ::1) reach a listener on these. */
const REACHED = new Set(['0.0.0.0', '::', '127.0.0.1', '::1'])
const MAX_SHOWN = 4

const show = (l: Listener): string => l.address.includes(':') ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`

/**
 * The clause that says what a worker listened on instead of its `port` (starting with ': '), or '' when that is
 * unknown (`null`: /proc could not be read) or explains nothing (it listens where the check would have reached it).
 */
export function notReadyWhy (port: number, listening: readonly Listener[] | null): string {
  if (listening === null) return ''
  if (listening.length === 0) return ': it listens on no TCP port (slow to start: raise --listen-timeout; serves no port: --no-port)'
  const own = listening.filter((l) => l.port === port)
  if (own.some((l) => REACHED.has(l.address))) return ''
  if (own.length > 0) return `: it listens on ${own.map(show).join(', ')}, which the check on 127.0.0.1 and ::1 does not reach (listen on 0.0.0.0, :: or 127.0.0.1)`
  const shown = listening.slice(0, MAX_SHOWN).map(show).join(', ') + (listening.length > MAX_SHOWN ? `, and ${listening.length - MAX_SHOWN} more` : '')
  return `: it listens on ${shown}, not on its PORT ${port} (listen on process.env.PORT)`
}
