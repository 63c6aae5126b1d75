// The PortProbe port over node:net: is a port free on the host (bind it), does it accept connections (connect to it).
import { createConnection, createServer, type Socket } from 'node:net'
import type { PortProbe } from '../core/ports.ts'
import { listenersOf } from './listening-sockets.ts'
import { nginxWorkersUsing, portActivity } from './port-connections.ts'

const FIRST_BACKOFF_MS = 10
const MAX_BACKOFF_MS = 25
/** A loopback connect either succeeds or is refused at once; this only bounds a full listen backlog. */
const CONNECT_TIMEOUT_MS = 1_000
/**
 * Most apps bind 0.0.0.0 or ::, so 127.0.0.1 answers them; a few bind ::1 only. ::1 is tried too only once 127.0.0.1
 * has been refused this long: an app still starting then costs one connection per round, not two, and the daemon
 * does not pay node's IPv6 address check on every cold start (measured: 12.6 ms of a 2-core box's first start).
 */
const IPV4_HOSTS: readonly string[] = ['127.0.0.1']
const BOTH_HOSTS: readonly string[] = ['127.0.0.1', '::1']
const IPV6_AFTER_MS = 250

/**
 * Binds the port with no host, i.e. dual-stack `::` (libuv clears IPV6_V6ONLY), which fails with EADDRINUSE when
 * anything listens on it on any address, IPv4 or IPv6 (checked: 127.0.0.1, ::1, 0.0.0.0, ::, a v6-only ::, 127.0.0.2).
 * Any other error (EACCES below 1024...) also means a worker could not use it: not free.
 */
export function isPortFree (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once('error', () => { resolve(false) })
    server.listen({ port, exclusive: true }, () => {
      server.close(() => { resolve(true) })
    })
  })
}

function abortError (signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError')
}

/** One connection attempt; resolves true when connected, false when refused or timed out. */
function tryConnect (port: number, host: string, track: (s: Socket | null) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host, timeout: CONNECT_TIMEOUT_MS })
    track(socket)
    const done = (ok: boolean): void => {
      track(null)
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => { done(true) })
    socket.once('error', () => { done(false) })
    socket.once('timeout', () => { done(false) })
  })
}

/** Resolves on the first accepted loopback connection; rejects with the abort reason; leaves no timer or socket. */
export function waitPortAccepting (port: number, signal: AbortSignal, ipv6AfterMs = IPV6_AFTER_MS): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal))
  return new Promise((resolve, reject) => {
    let socket: Socket | null = null
    let timer: NodeJS.Timeout | undefined
    let settled = false
    const onAbort = (): void => {
      settled = true
      clearTimeout(timer)
      socket?.destroy()
      reject(abortError(signal))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    const track = (s: Socket | null): void => { socket = s }
    const startedAt = performance.now()
    const attempt = async (backoffMs: number): Promise<void> => {
      const hosts = performance.now() - startedAt >= ipv6AfterMs ? BOTH_HOSTS : IPV4_HOSTS
      for (const host of hosts) {
        const ok = await tryConnect(port, host, track)
        if (settled) return
        if (ok) {
          settled = true
          signal.removeEventListener('abort', onAbort)
          resolve()
          return
        }
      }
      timer = setTimeout(() => { void attempt(Math.min(backoffMs * 2, MAX_BACKOFF_MS)) }, backoffMs)
    }
    void attempt(FIRST_BACKOFF_MS)
  })
}

/** The production PortProbe; `ipv6AfterMs` is for tests. */
export function createPortProbe (options: { ipv6AfterMs?: number } = {}): PortProbe {
  const ipv6AfterMs = options.ipv6AfterMs ?? IPV6_AFTER_MS
  return {
    isFree: isPortFree,
    waitAccepting: (port, signal) => waitPortAccepting(port, signal, ipv6AfterMs),
    portActivity,
    nginxWorkersUsing,
    listeners: listenersOf
  }
}
