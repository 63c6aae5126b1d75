// Usage routes: GET /metrics (Prometheus text) and GET /apps/:app/samples (the last minute of samples).
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppParams, AppSamples, ErrorBody } from '@sup/protocol'
import type { Metrics } from '../metrics.ts'

export interface UsageRouteDeps {
  readonly metrics: Metrics
  /** Samples what is stale before usage is read (the daemon samples in the background only for rules and readers). */
  readonly fresh: () => Promise<void>
  /** Throws SUP_ERR_APP_NOT_FOUND for an unknown app. */
  readonly samples: (app: string) => AppSamples
}

export function registerMetricsRoutes (fastify: FastifyInstance, deps: UsageRouteDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/metrics', async (_req, reply) => {
    await deps.fresh()
    return reply.type(deps.metrics.contentType).send(await deps.metrics.text())
  })
  app.get('/apps/:app/samples', { schema: { params: AppParams, response: { 200: AppSamples, 404: ErrorBody, 400: ErrorBody } } }, async (req) => {
    await deps.fresh()
    return deps.samples(req.params.app)
  })
}
