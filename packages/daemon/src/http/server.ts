// buildServer(deps): the fastify app with every route, schema-validated; it never listens by itself.
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Supervisor } from '../runtime/supervisor.ts'
import { SUP_ERR_INTERNAL, SUP_ERR_INVALID_INPUT, SUP_ERR_ROUTE_NOT_FOUND } from '../errors.ts'
import { registerAppRoutes } from './routes/apps.ts'
import { registerDaemonRoutes } from './routes/daemon.ts'

export interface ServerDeps {
  readonly supervisor: Supervisor
  readonly version: string
  readonly home: string
  readonly pid: number
  readonly logger: FastifyBaseLogger | false
  /** Called after the shutdown answer is sent. */
  readonly requestShutdown: () => void
}

/** The body of every error the API returns. */
function errorBody (code: string, message: string, hint?: string): { error: { code: string; message: string; hint?: string } } {
  return { error: hint === undefined ? { code, message } : { code, message, hint } }
}

export function buildServer (deps: ServerDeps): FastifyInstance {
  // Unknown fields are an error, not silently dropped (fastify's default ajv removes them).
  const ajv = { customOptions: { removeAdditional: false as const, coerceTypes: 'array' as const, allErrors: false } }
  const app = (deps.logger === false ? Fastify({ logger: false, ajv }) : Fastify({ loggerInstance: deps.logger, ajv }))
    .withTypeProvider<TypeBoxTypeProvider>()

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation !== undefined) {
      const e = new SUP_ERR_INVALID_INPUT(err.message)
      return reply.status(400).send(errorBody(e.code, e.message))
    }
    if (typeof err.code === 'string' && err.code.startsWith('SUP_ERR_')) {
      return reply.status(err.statusCode ?? 500).send(errorBody(err.code, err.message))
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(errorBody(err.code ?? 'SUP_ERR_INVALID_INPUT', err.message))
    }
    req.log.error({ err }, 'unhandled error')
    const e = new SUP_ERR_INTERNAL(err.message)
    return reply.status(500).send(errorBody(e.code, e.message))
  })
  app.setNotFoundHandler((req, reply) => {
    const e = new SUP_ERR_ROUTE_NOT_FOUND(req.method, req.url.split('?')[0] ?? '')
    return reply.status(404).send(errorBody(e.code, e.message))
  })

  registerDaemonRoutes(app, deps)
  registerAppRoutes(app, deps.supervisor)
  return app
}
