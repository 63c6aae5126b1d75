// Daemon routes: health, events (a list, or a stream with ?follow=true), shutdown.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ErrorBody, EventList, EventsQuery, HealthView, PortList, ShutdownBody, ShutdownResult } from '@sup/protocol'
import type { ServerDeps } from '../server.ts'
import { healthAnswer } from '../health.ts'
import type { NdjsonStream, NdjsonStreams } from '../ndjson.ts'

/** How often a follower reads the store for events other processes added (sup-logd's `log-write-failed`...). */
export const EVENTS_POLL_MS = 250
const POLL_BATCH = 1_000

/**
 * Streams the last `limit` events, then new ones: from the supervisor at once (low latency), and from the store every
 * EVENTS_POLL_MS (events of other processes). Each event goes out once: an id sent from memory is skipped when polled.
 */
async function streamEvents (deps: ServerDeps, q: { app?: string | undefined; limit: number }, out: NdjsonStream): Promise<void> {
  const initial = deps.supervisor.events(q)
  let mark = Math.max(0, ...initial.map((e) => e.id))
  const sent = new Set<number>()
  // Registered in the same tick as the read above: no event can fall in between.
  const unsubscribe = deps.supervisor.onEvent((e) => {
    if ((q.app !== undefined && e.app !== q.app) || e.id <= mark || sent.has(e.id)) return
    sent.add(e.id)
    void out.send(e)
  })
  try {
    for (const e of initial) await out.send(e)
    while (!out.signal.aborted) {
      await sleep(EVENTS_POLL_MS, undefined, { signal: out.signal }).catch(() => undefined)
      for (let more = !out.signal.aborted; more;) {
        const rows = deps.eventsAfter({ afterId: mark, limit: POLL_BATCH, app: q.app })
        for (const e of rows) {
          mark = e.id
          if (!sent.delete(e.id)) await out.send(e)
        }
        more = rows.length === POLL_BATCH && !out.signal.aborted
      }
      for (const id of sent) if (id <= mark) sent.delete(id)
    }
  } finally {
    unsubscribe()
  }
}

export function registerDaemonRoutes (fastify: FastifyInstance, deps: ServerDeps, streams: NdjsonStreams): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/healthz', { schema: { response: { 200: HealthView } } }, async () => healthAnswer(deps))

  app.get('/events', { schema: { querystring: EventsQuery, response: { 200: EventList, 400: ErrorBody } } }, async (req, reply) => {
    const q = { app: req.query.app, limit: req.query.limit ?? 100 }
    if (req.query.follow !== true) return { events: deps.supervisor.events(q) }
    const out = streams.open(reply)
    try {
      await streamEvents(deps, q, out)
    } catch (err) {
      req.log.warn({ err }, 'event stream failed')
    } finally {
      out.end()
    }
    return reply
  })

  // Every port held for a worker (runner or reload replacement): equal to the ports of the live workers of GET /apps
  const heldPorts = deps.heldPorts
  if (heldPorts !== undefined) app.get('/daemon/ports', { schema: { response: { 200: PortList } } }, async () => ({ ports: heldPorts() }))

  app.post('/daemon/shutdown', {
    schema: { body: ShutdownBody, response: { 202: ShutdownResult } },
    // `curl -XPOST .../daemon/shutdown` with no body means {}: the defaults
    preValidation: async (req) => { if (req.body === undefined || req.body === null) req.body = {} }
  }, async (req, reply) => {
    const keepWorkers = req.body?.keepWorkers ?? false
    reply.raw.once('finish', () => deps.requestShutdown(keepWorkers))
    return reply.status(202).send({ ok: true, pid: deps.pid })
  })
}
