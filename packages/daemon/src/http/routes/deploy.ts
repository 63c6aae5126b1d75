// Deploy routes: POST /deploy/:user/:app (a streamed tar.gz), GET /apps/:app/releases, POST /apps/:app/rollback.
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppParams, DeployQuery, DeployResult, ReleaseList, RollbackBody } from '@sup/protocol'
import type { DeployService, ErrorWithOutput } from '../../deploy/deploy-service.ts'

const DeployParams = Type.Object({ user: Type.String({ minLength: 1, maxLength: 1024 }), app: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false })
/** ErrorBody plus the new workers' (or npm's) last output lines. */
const DeployErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()), output: Type.Optional(Type.Array(Type.String())) }) })
const errors = { 400: DeployErrorBody, 401: DeployErrorBody, 404: DeployErrorBody, 409: DeployErrorBody, 413: DeployErrorBody, 422: DeployErrorBody, 500: DeployErrorBody, 502: DeployErrorBody, 503: DeployErrorBody }

/** How long the rest of a refused upload is read (and dropped) after the answer, so the caller gets it, before the socket is cut. */
const LINGER_MS = 2_000

/** Answers, then closes the connection: the rest of a refused upload is dropped, not processed, for LINGER_MS at most. */
export function closeAfterAnswer (raw: IncomingMessage, reply: FastifyReply): void {
  reply.header('connection', 'close')
  raw.resume()
  reply.raw.once('finish', () => {
    const socket = raw.socket
    const timer = setTimeout(() => socket.destroy(), LINGER_MS)
    timer.unref()
    socket.once('close', () => clearTimeout(timer))
  })
}

/** Sends a SUP_ERR_* error with its output lines; anything else goes on to the server's error handler. */
function sendError (reply: FastifyReply, err: unknown, raw: IncomingMessage | null): FastifyReply {
  const e = err as ErrorWithOutput & { code?: unknown; statusCode?: number }
  if (typeof e.code !== 'string' || !e.code.startsWith('SUP_ERR_')) throw err
  if (raw !== null && !raw.readableEnded) closeAfterAnswer(raw, reply)
  const error = e.output === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, output: e.output }
  return reply.status(e.statusCode ?? 500).send({ error })
}

export function registerDeployRoutes (fastify: FastifyInstance, deploy: DeployService): void {
  void fastify.register(async (scope) => {
    // The upload is never parsed nor buffered: the handler streams the raw request into the extractor.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_req, _payload, done) => { done(null, undefined) })
    const app = scope.withTypeProvider<TypeBoxTypeProvider>()
    app.post('/deploy/:user/:app', { schema: { params: DeployParams, querystring: DeployQuery, response: { 200: DeployResult, ...errors } } }, async (req, reply) => {
      const raw: IncomingMessage = req.raw
      const len = raw.headers['content-length']
      try {
        return await deploy.deploy(req.params.user, req.params.app, raw, len === undefined ? undefined : Number(len), req.query)
      } catch (err) { return sendError(reply, err, raw) }
    })
  })

  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/apps/:app/releases', { schema: { params: AppParams, response: { 200: ReleaseList, ...errors } } }, async (req, reply) => {
    try { return deploy.list(req.params.app) } catch (err) { return sendError(reply, err, null) }
  })
  app.post('/apps/:app/rollback', { schema: { params: AppParams, body: Type.Optional(RollbackBody), response: { 200: DeployResult, ...errors } } }, async (req, reply) => {
    try { return await deploy.rollback(req.params.app, req.body?.id) } catch (err) { return sendError(reply, err, null) }
  })
}
