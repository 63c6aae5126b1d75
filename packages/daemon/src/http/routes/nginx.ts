// GET /apps/:app/nginx: the app's live upstream and a ready-to-include server block (what `sup nginx` prints).
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppParams, ErrorBody, NginxQuery, NginxView } from '@sup/protocol'
import { includeGlob, renderServerBlock, renderUpstream } from '../../core/upstream.ts'
import type { ServerDeps } from '../server.ts'

/** Registers GET /apps/:app/nginx; an unknown app is a 404 (servingPorts throws SUP_ERR_APP_NOT_FOUND). */
export function registerNginxRoutes (fastify: FastifyInstance, deps: Pick<ServerDeps, 'nginxDir' | 'servingPorts' | 'upstreamHosts'>): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/apps/:app/nginx', { schema: { params: AppParams, querystring: NginxQuery, response: { 200: NginxView, 400: ErrorBody, 404: ErrorBody } } }, async (req) => {
    const name = req.params.app
    const ports = deps.servingPorts(name)
    const { listen = '80', serverName } = req.query
    return {
      upstreamPath: `${deps.nginxDir}/${name}.conf`,
      upstream: renderUpstream(name, ports, deps.upstreamHosts?.()),
      server: renderServerBlock(name, { listen, includePath: includeGlob(deps.nginxDir), ...(serverName === undefined ? {} : { serverName }) })
    }
  })
}
