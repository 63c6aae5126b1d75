// GET /apps/:app/nginx: the app's live upstream and a ready-to-include server block (what `sup nginx` prints).
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppParams, ErrorBody, NginxQuery, NginxView } from '@sup/protocol'
import { renderServerBlock, renderUpstream } from '../../core/upstream.ts'
import type { ServerDeps } from '../server.ts'

export function registerNginxRoutes (fastify: FastifyInstance, deps: ServerDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/apps/:app/nginx', { schema: { params: AppParams, querystring: NginxQuery, response: { 200: NginxView, 404: ErrorBody } } }, async (req) => {
    const name = req.params.app
    const ports = deps.supervisor.servingPorts(name)
    const upstreamPath = `${deps.nginxDir}/${name}.conf`
    return {
      upstreamPath,
      upstream: renderUpstream(name, ports),
      server: renderServerBlock(name, { listen: req.query.listen ?? '80', upstreamPath, ...(req.query.serverName === undefined ? {} : { serverName: req.query.serverName }) })
    }
  })
}
