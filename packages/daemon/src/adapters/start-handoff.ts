// The channel of the start handoff (@sup/protocol/handoff): the request line a cold `sup start` sends on the
// daemon's fd 3, a socket pair with that CLI, and the daemon's lines back.
import { Socket } from 'node:net'
import { HANDOFF_FD } from '@sup/protocol/handoff'

export { HANDOFF_FLAG } from '@sup/protocol/handoff'
/** fastify's body limit: a start request is a spec and two fields, far below it. */
export const MAX_HANDED_BYTES = 1024 * 1024

export interface HandoffChannel {
  /** The request line, or null: the CLI closed without one, or sent more than MAX_HANDED_BYTES. */
  readonly request: Promise<string | null>
  /** Writes one JSON line; `last` closes the channel after it. A CLI gone meanwhile is no error. */
  send (value: unknown, last?: boolean): void
}

/** No request comes: `--handoff` given by hand, with no socket on the fd. */
const NONE: HandoffChannel = { request: Promise.resolve(null), send () {} }

/** The channel on `fd` (NONE when it is no socket or pipe); it never keeps the daemon alive by itself. */
export function openHandoff (fd: number = HANDOFF_FD, maxBytes: number = MAX_HANDED_BYTES): HandoffChannel {
  let socket: Socket
  try { socket = new Socket({ fd, readable: true, writable: true }) } catch { return NONE }
  socket.unref()
  socket.on('error', () => { /* the CLI went away: nothing waits for the answer */ })
  const request = new Promise<string | null>((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const done = (line: string | null): void => {
      if (settled) return
      settled = true
      socket.removeListener('data', onData)
      if (line === null) socket.destroy()
      resolve(line)
    }
    const onData = (chunk: Buffer): void => {
      const end = chunk.indexOf(0x0a)
      chunks.push(end === -1 ? chunk : chunk.subarray(0, end))
      size += end === -1 ? chunk.length : end
      if (size > maxBytes) done(null)
      else if (end !== -1) done(Buffer.concat(chunks).toString('utf8'))
    }
    socket.on('data', onData)
    socket.once('end', () => { done(null) })
    socket.once('close', () => { done(null) })
  })
  return {
    request,
    send (value, last = false) {
      if (socket.destroyed) return
      socket.write(`${JSON.stringify(value)}\n`)
      if (last) socket.end()
    }
  }
}
