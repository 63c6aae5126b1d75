// `sup daemon --listen HOST:PORT`: the optional TCP API's address, loopback only unless explicitly allowed.
import { isIP } from 'node:net'

export interface ListenAddress { readonly host: string; readonly port: number }

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'))
}

/** Parses '127.0.0.1:9002', '[::1]:9002' or '9002' (loopback); a non-loopback host needs `allowRemote`. */
export function parseListenAddress (text: string, allowRemote: boolean): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]+))?:?(\d{1,5})$/.exec(text.trim())
  const port = Number(m?.[3])
  if (m === null || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--listen '${text}' is not HOST:PORT (e.g. 127.0.0.1:9002)`)
  const host = m[1] ?? m[2] ?? '127.0.0.1'
  if (host !== 'localhost' && isIP(host) === 0) throw new Error(`--listen '${text}': '${host}' is not an IP address`)
  if (!isLoopback(host) && !allowRemote) {
    throw new Error(`--listen ${host}:${port} is not a loopback address: the deploy API runs code. Add --listen-remote (SUP_LISTEN_REMOTE=1) if you really mean it, and put TLS in front`)
  }
  return { host, port }
}
