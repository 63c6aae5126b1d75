// Deploy routes: POST /deploy/:user/:app (a streamed tar.gz), GET /apps/:app/releases, POST /apps/:app/rollback.
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AppParams, DeployQuery, DeployResult, ReleaseList, RollbackBody } from '@sup/protocol'
import type { DeployService, ErrorWithOutput } from '../../deploy/deploy-service.ts'
import { SUP_ERR_UPLOAD_IDLE } from '../../errors.ts'

const DeployParams = Type.Object({ user: Type.String({ minLength: 1, maxLength: 1024 }), app: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false })
/** ErrorBody plus the new workers' (or npm's) last output lines. */
const DeployErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()), output: Type.Optional(Type.Array(Type.String())) }) })
const errors = { 400: DeployErrorBody, 401: DeployErrorBody, 404: DeployErrorBody, 408: DeployErrorBody, 409: DeployErrorBody, 413: DeployErrorBody, 422: DeployErrorBody, 500: DeployErrorBody, 502: DeployErrorBody, 503: DeployErrorBody, 507: DeployErrorBody }

/** How long the rest of a refused upload is read (and dropped) before the answer goes out anyway. */
const DRAIN_MS = 2_000

/**
 * Answers the caller and closes the connection without reading the rest of its body (a caller without the
 * token). Its answer may be lost if it is still sending: node closes the socket once the answer is written,
 * and the caller's next write meets a reset.
 */
export function closeAfterAnswer (reply: FastifyReply): void {
  reply.header('connection', 'close')
}

/**
 * A refused upload is read to its end (and dropped), for DRAIN_MS at most, BEFORE the answer: an uploader that
 * asked for `Connection: close` (node's http client does) would otherwise get a broken pipe instead of the
 * answer — node closes the socket once the answer is written (measured: `sup deploy` over a 2 MB limit, 3 of 6).
 * A body still coming after DRAIN_MS gets the answer and a closed connection.
 */
async function drainBody (raw: IncomingMessage, reply: FastifyReply): Promise<void> {
  if (raw.readableEnded) return
  raw.resume()
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, DRAIN_MS)
    timer.unref()
    raw.once('end', done)
    raw.once('close', done)
    function done (): void { clearTimeout(timer); resolve() }
  })
  if (!raw.readableEnded) closeAfterAnswer(reply)
}

/**
 * Cuts an upload that sends nothing for `idleMs`: the body fails with SUP_ERR_UPLOAD_IDLE, so the extraction stops,
 * its staging dir is removed and the app's deploy lock is freed. Once the body has ended the watch stops (npm may take minutes).
 */
function watchIdleUpload (raw: IncomingMessage, idleMs: number): void {
  const socket = raw.socket
  if (raw.readableEnded) return
  const onIdle = (): void => { raw.destroy(new SUP_ERR_UPLOAD_IDLE(idleMs)) }
  const stop = (): void => { socket.setTimeout(0); socket.off('timeout', onIdle) }
  socket.setTimeout(idleMs)
  socket.on('timeout', onIdle)
  raw.once('end', stop)
  raw.once('close', stop)
}

/** Sends a SUP_ERR_* error with its output lines; anything else goes on to the server's error handler. */
async function sendError (reply: FastifyReply, err: unknown, raw: IncomingMessage | null): Promise<FastifyReply> {
  const e = err as ErrorWithOutput & { code?: unknown; statusCode?: number }
  if (typeof e.code !== 'string' || !e.code.startsWith('SUP_ERR_')) throw err
  if (raw !== null) await drainBody(raw, reply)
  const error = e.output === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, output: e.output }
  return reply.status(e.statusCode ?? 500).send({ error })
}

export function registerDeployRoutes (fastify: FastifyInstance, deploy: DeployService, uploadIdleTimeoutMs = 30_000): void {
  void fastify.register(async (scope) => {
    // The upload is never parsed nor buffered: the handler streams the raw request into the extractor.
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_req, _payload, done) => { done(null, undefined) })
    const app = scope.withTypeProvider<TypeBoxTypeProvider>()
    app.post('/deploy/:user/:app', { schema: { params: DeployParams, querystring: DeployQuery, response: { 200: DeployResult, ...errors } } }, async (req, reply) => {
      const raw: IncomingMessage = req.raw
      const len = raw.headers['content-length']
      watchIdleUpload(raw, uploadIdleTimeoutMs)
      try {
        return await deploy.deploy(req.params.user, req.params.app, raw, len === undefined ? undefined : Number(len), req.query)
      } catch (err) { return await sendError(reply, err, raw) }
    })
  })

  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/apps/:app/releases', { schema: { params: AppParams, response: { 200: ReleaseList, ...errors } } }, async (req, reply) => {
    try { return deploy.list(req.params.app) } catch (err) { return await sendError(reply, err, null) }
  })
  app.post('/apps/:app/rollback', { schema: { params: AppParams, body: Type.Optional(RollbackBody), response: { 200: DeployResult, ...errors } } }, async (req, reply) => {
    try { return await deploy.rollback(req.params.app, req.body?.id) } catch (err) { return await sendError(reply, err, null) }
  })
}
