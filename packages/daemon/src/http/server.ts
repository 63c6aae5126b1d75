// buildServer(deps): the fastify app with every route, schema-validated; it never listens by itself.
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { EventView } from '@sup/protocol'
import type { Supervisor } from '../runtime/supervisor.ts'
import { SUP_ERR_INTERNAL, SUP_ERR_INVALID_INPUT, SUP_ERR_ROUTE_NOT_FOUND, SUP_ERR_UNAUTHORIZED } from '../errors.ts'
import { registerAppRoutes } from './routes/apps.ts'
import { registerAppToolRoutes } from './routes/app-tools.ts'
import { registerNginxRoutes } from './routes/nginx.ts'
import { registerDaemonRoutes } from './routes/daemon.ts'
import { registerLogRoutes } from './routes/logs.ts'
import { createNdjsonStreams } from './ndjson.ts'
import { closeAfterAnswer, registerDeployRoutes } from './routes/deploy.ts'
import type { DeployService } from '../deploy/deploy-service.ts'
import { registerMetricsRoutes, type UsageRouteDeps } from './routes/metrics.ts'
import { lazySchemaController } from './lazy-compilers.ts'
import { registerConfigRoutes } from './routes/config.ts'
import type { ConfigService } from '../settings/service.ts'
import type { HostOf } from '../core/upstream.ts'
import { parseJsonBody, toSupError } from './fastify-errors.ts'
import { errorBody, supErrorAnswer } from './error-body.ts'

export interface ServerDeps {
  readonly supervisor: Supervisor
  readonly version: string
  readonly home: string
  readonly pid: number
  readonly logger: FastifyBaseLogger | false
  /** Where the worker logs are (`$SUP_HOME/logs`): GET /logs reads `<logsDir>/<app>-<i>.log` and its rotated files. */
  readonly logsDir: string
  /** Where the upstream files are (`$SUP_HOME/nginx`). */
  readonly nginxDir: string
  /** The ports an app's upstream lists now (online, healthy, not withdrawn); throws SUP_ERR_APP_NOT_FOUND for an unknown app. */
  readonly servingPorts: (app: string) => number[]
  /** nginx's address of each port now (127.0.0.1, or [::1] for a port on ::1 only); absent: 127.0.0.1. */
  readonly upstreamHosts?: () => HostOf
  /** The first `limit` persisted events after an id, oldest first (the store's listEventsAfter): GET /events?follow polls it. */
  readonly eventsAfter: (q: { afterId: number; limit: number; app?: string | undefined }) => EventView[]
  /** Called after the shutdown answer is sent; keepWorkers leaves every worker running for the next daemon. */
  readonly requestShutdown: (keepWorkers: boolean) => void
  /** Deploys and releases (issue 7); their routes exist only when given. */
  readonly deploy?: DeployService
  /** The TCP API's check of the Authorization header; the unix socket has none (its mode is the guard). */
  readonly authorize?: (header: string | undefined) => boolean
  /** GET /daemon/ports: every port the port broker holds, sorted by port (absent: the route is not served). */
  readonly heldPorts?: () => Array<{ port: number; holder: string }>
  /** GET /metrics and GET /apps/:app/samples (absent: those routes are not served). */
  readonly usage?: UsageRouteDeps
  /** `sup config` (GET/PUT/DELETE /daemon/config): absent, those routes are not served. */
  readonly config?: ConfigService
  /** An upload that sends nothing for this long is cut (`deploy.uploadIdleTimeout`, default 30 s). */
  readonly uploadIdleTimeoutMs?: number
  /** Every answer is also written from its route's response schema, and must be the same (tests: lazy-compilers.ts). */
  readonly checkAnswers?: boolean
}

/** `schemaController`: the build's code generator (scripts/precompile-schemas.ts) replaces the daemon's own. */
export function buildServer (deps: ServerDeps, schemaController: FastifyServerOptions['schemaController'] = lazySchemaController({ checkAnswers: deps.checkAnswers === true })): FastifyInstance {
  // Unknown fields are an error, not silently dropped (fastify's default ajv removes them).
  const ajv = { customOptions: { removeAdditional: false as const, coerceTypes: 'array' as const, allErrors: false } }
  // Long names reach the handlers (a clear SUP_ERR_INVALID_NAME), not fastify's bare 414
  const maxParamLength = 1024
  const app = (deps.logger === false ? Fastify({ logger: false, ajv, routerOptions: { maxParamLength }, schemaController }) : Fastify({ loggerInstance: deps.logger, ajv, routerOptions: { maxParamLength }, schemaController }))
    .withTypeProvider<TypeBoxTypeProvider>()

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation !== undefined) {
      const e = new SUP_ERR_INVALID_INPUT(err.message)
      return reply.status(400).send(errorBody(e.code, e.message))
    }
    const sup = supErrorAnswer(err)
    if (sup !== null) return reply.status(sup.status).send(sup.body)
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      // fastify's own (FST_ERR_*: bad JSON, body too large, no Content-Type...) become codes of sup's registry
      const e = toSupError(err)
      return reply.status(e.statusCode ?? err.statusCode).send(errorBody(e.code, e.message))
    }
    req.log.error({ err }, 'unhandled error')
    const e = new SUP_ERR_INTERNAL(err.message)
    return reply.status(500).send(errorBody(e.code, e.message))
  })
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try { done(null, parseJsonBody(body as string)) } catch (err) { done(err as Error, undefined) }
  })
  app.setNotFoundHandler((req, reply) => {
    const e = new SUP_ERR_ROUTE_NOT_FOUND(req.method, req.url.split('?')[0] ?? '')
    return reply.status(404).send(errorBody(e.code, e.message))
  })

  const authorize = deps.authorize
  if (authorize !== undefined) {
    app.addHook('onRequest', async (req, reply) => {
      if (authorize(req.headers.authorization)) return
      const e = new SUP_ERR_UNAUTHORIZED()
      // An unread upload is not drained for a caller without the token
      closeAfterAnswer(reply)
      return reply.status(401).send(errorBody(e.code, e.message))
    })
  }

  const streams = createNdjsonStreams(app)
  registerDaemonRoutes(app, deps, streams)
  registerAppRoutes(app, deps.supervisor, deps.logsDir, deps.deploy?.forget, deps.usage?.fresh)
  registerAppToolRoutes(app, deps.supervisor, deps.logsDir)
  registerNginxRoutes(app, deps)
  registerLogRoutes(app, deps, streams)
  if (deps.deploy !== undefined) registerDeployRoutes(app, deps.deploy, deps.uploadIdleTimeoutMs)
  if (deps.usage !== undefined) registerMetricsRoutes(app, deps.usage)
  if (deps.config !== undefined) registerConfigRoutes(app, deps.config)
  return app
}
