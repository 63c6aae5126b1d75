// App routes: create, list, show, start, stop, restart, scale, delete.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppList, AppParams, AppSpecInput, AppView, DeleteQuery, DeleteResult, ErrorBody, ScaleBody, StartQuery } from '@sup/protocol'
import type { Supervisor } from '../../runtime/supervisor.ts'

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 500: ErrorBody, 502: ErrorBody, 503: ErrorBody }

/** Called after an app was deleted, unless `keepReleases`: removes its deployed releases; resolves with how many. */
export type ForgetReleases = (app: string) => Promise<number>

export function registerAppRoutes (fastify: FastifyInstance, sup: Supervisor, forgetReleases?: ForgetReleases): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/apps', { schema: { response: { 200: AppList } } }, async () => ({ apps: sup.listApps() }))

  app.post('/apps', { schema: { body: AppSpecInput, querystring: StartQuery, response: { 201: AppView, ...errors } } }, async (req, reply) => {
    const view = await sup.createApp(req.body, req.query.wait ?? true)
    return reply.status(201).send(view)
  })

  app.get('/apps/:app', { schema: { params: AppParams, response: { 200: AppView, ...errors } } }, async (req) => sup.getApp(req.params.app))

  app.post('/apps/:app/start', { schema: { params: AppParams, response: { 200: AppView, ...errors } } }, async (req) => sup.startApp(req.params.app))
  app.post('/apps/:app/stop', { schema: { params: AppParams, response: { 200: AppView, ...errors } } }, async (req) => sup.stopApp(req.params.app))
  app.post('/apps/:app/reload', { schema: { params: AppParams, response: { 200: AppView, ...errors } } }, async (req) => sup.reloadApp(req.params.app))
  app.post('/apps/:app/restart', { schema: { params: AppParams, response: { 200: AppView, ...errors } } }, async (req) => sup.restartApp(req.params.app))
  app.post('/apps/:app/scale', { schema: { params: AppParams, body: ScaleBody, response: { 200: AppView, ...errors } } }, async (req) => sup.scaleApp(req.params.app, req.body.instances))
  app.delete('/apps/:app', { schema: { params: AppParams, querystring: DeleteQuery, response: { 200: DeleteResult, ...errors } } }, async (req) => {
    const deleted = await sup.deleteApp(req.params.app)
    if (forgetReleases === undefined || req.query.keepReleases === true) return { deleted }
    return { deleted, releasesRemoved: await forgetReleases(deleted) }
  })
}
