// App routes: create, list, show, start, stop, restart, scale, delete.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppList, AppParams, AppSpecInput, AppView, DeleteQuery, DeleteResult, ErrorBody, InstanceQuery, RestartBody, ScaleBody, StartQuery } from '@sup/protocol'
import { removeLogFiles } from '../../logs/log-files.ts'
import type { Supervisor } from '../../runtime/supervisor.ts'

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 500: ErrorBody, 502: ErrorBody, 503: ErrorBody }

/** Called after an app was deleted, unless `keepReleases`: removes its deployed releases; resolves with how many. */
export type ForgetReleases = (app: string) => Promise<number>

/** Samples what is stale before a list or a show reads usage (absent: the views carry what was sampled last). */
export type FreshUsage = () => Promise<void>

export function registerAppRoutes (fastify: FastifyInstance, sup: Supervisor, logsDir: string, forgetReleases?: ForgetReleases, fresh: FreshUsage = async () => undefined): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/apps', { schema: { response: { 200: AppList } } }, async () => {
    await fresh()
    return { apps: sup.listApps() }
  })

  app.post('/apps', { schema: { body: AppSpecInput, querystring: StartQuery, response: { 201: AppView, ...errors } } }, async (req, reply) => {
    const view = await sup.createApp(req.body, req.query.wait ?? true)
    return reply.status(201).send(view)
  })

  app.get('/apps/:app', { schema: { params: AppParams, response: { 200: AppView, ...errors } } }, async (req) => {
    await fresh()
    return sup.getApp(req.params.app)
  })

  // PUT: create, or apply a changed definition to a running app zero-downtime (`sup start <file>` again)
  app.put('/apps/:app', { schema: { params: AppParams, body: AppSpecInput, response: { 200: AppView, ...errors } } }, async (req) =>
    sup.applyApp({ ...req.body, name: req.params.app }))

  app.post('/apps/:app/start', { schema: { params: AppParams, response: { 200: AppView, ...errors } } }, async (req) => sup.startApp(req.params.app))
  app.post('/apps/:app/stop', { schema: { params: AppParams, querystring: InstanceQuery, response: { 200: AppView, ...errors } } }, async (req) =>
    req.query.instance === undefined ? sup.stopApp(req.params.app) : sup.stopInstance(req.params.app, req.query.instance))
  app.post('/apps/:app/reload', { schema: { params: AppParams, querystring: InstanceQuery, body: RestartBody, response: { 200: AppView, ...errors } } }, async (req) =>
    req.query.instance === undefined ? sup.reloadApp(req.params.app, req.body?.shellEnv) : sup.reloadInstance(req.params.app, req.query.instance))
  app.post('/apps/:app/restart', { schema: { params: AppParams, querystring: InstanceQuery, body: RestartBody, response: { 200: AppView, ...errors } } }, async (req) =>
    req.query.instance === undefined ? sup.restartApp(req.params.app, req.body?.shellEnv) : sup.restartInstance(req.params.app, req.query.instance))
  app.post('/apps/:app/scale', { schema: { params: AppParams, body: ScaleBody, response: { 200: AppView, ...errors } } }, async (req) => sup.scaleApp(req.params.app, req.body.instances, req.body.portRange))
  app.delete('/apps/:app', { schema: { params: AppParams, querystring: DeleteQuery, response: { 200: DeleteResult, ...errors } } }, async (req) => {
    const deleted = await sup.deleteApp(req.params.app)
    // its logs go too: a new app of the same name must not show them as its own
    removeLogFiles(logsDir, deleted)
    if (forgetReleases === undefined || req.query.keepReleases === true) return { deleted }
    return { deleted, releasesRemoved: await forgetReleases(deleted) }
  })
}
