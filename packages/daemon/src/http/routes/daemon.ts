// Daemon routes: health, events, shutdown.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ErrorBody, EventList, EventsQuery, HealthView, ShutdownResult } from '@sup/protocol'
import type { ServerDeps } from '../server.ts'

export function registerDaemonRoutes (fastify: FastifyInstance, deps: ServerDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/healthz', { schema: { response: { 200: HealthView } } }, async () => ({ ok: true, pid: deps.pid, version: deps.version, home: deps.home }))

  app.get('/events', { schema: { querystring: EventsQuery, response: { 200: EventList, 400: ErrorBody } } }, async (req) => {
    return { events: deps.supervisor.events({ app: req.query.app, limit: req.query.limit ?? 100 }) }
  })

  app.post('/daemon/shutdown', { schema: { response: { 202: ShutdownResult } } }, async (_req, reply) => {
    reply.raw.once('finish', () => deps.requestShutdown())
    return reply.status(202).send({ ok: true, pid: deps.pid })
  })
}
