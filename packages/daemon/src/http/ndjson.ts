// Streaming answers (NDJSON): a hijacked reply written line by line with backpressure, until the client or the server goes.
import { once } from 'node:events'
import type { FastifyInstance, FastifyReply } from 'fastify'

/** One open NDJSON answer. */
export interface NdjsonStream {
  /** Aborted when the client disconnects or the server closes: stop producing. */
  readonly signal: AbortSignal
  /** Writes one value as a line; resolves when the socket can take more (or the stream is gone). */
  send (value: unknown): Promise<void>
  /** Ends the answer (idempotent). */
  end (): void
}

export interface NdjsonStreams {
  /** Takes over the reply (200, application/x-ndjson); call only once the request is known to be good. */
  open (reply: FastifyReply): NdjsonStream
}

/** The streams of one server: each is ended when the server closes, so `close()` never waits on a follower. */
export function createNdjsonStreams (fastify: FastifyInstance): NdjsonStreams {
  const active = new Set<AbortController>()
  fastify.addHook('preClose', (done) => {
    for (const ac of active) ac.abort()
    done()
  })

  return {
    open (reply) {
      const res = reply.raw
      const ac = new AbortController()
      active.add(ac)
      reply.hijack()
      res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      res.flushHeaders() // the client learns at once that the target is good, even before the first line
      res.on('close', () => ac.abort())
      ac.signal.addEventListener('abort', () => { if (!res.writableEnded) res.end() }, { once: true })
      return {
        signal: ac.signal,
        async send (value) {
          if (ac.signal.aborted || res.writableEnded) return
          if (!res.write(`${JSON.stringify(value)}\n`)) await once(res, 'drain', { signal: ac.signal }).catch(() => undefined)
        },
        end () {
          active.delete(ac)
          if (!res.writableEnded) res.end()
        }
      }
    }
  }
}
