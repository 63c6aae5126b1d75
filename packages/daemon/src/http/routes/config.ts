// Settings routes (`sup config`): GET /daemon/config, PUT and DELETE /daemon/config/:key.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ConfigChange, ConfigKeyParams, ConfigSetBody, ConfigView, ErrorBody } from '@sup/protocol'
import type { ConfigService } from '../../settings/service.ts'

export function registerConfigRoutes (fastify: FastifyInstance, config: ConfigService): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const errors = { 400: ErrorBody, 500: ErrorBody }
  app.get('/daemon/config', { schema: { response: { 200: ConfigView } } }, async () => config.view())
  app.put('/daemon/config/:key', { schema: { params: ConfigKeyParams, body: ConfigSetBody, response: { 200: ConfigChange, ...errors } } }, async (req) => config.set(req.params.key, req.body.value))
  app.delete('/daemon/config/:key', { schema: { params: ConfigKeyParams, response: { 200: ConfigChange, ...errors } } }, async (req) => config.unset(req.params.key))
}
