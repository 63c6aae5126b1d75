// GET /apps/:app/nginx through buildServer: the live upstream, the server block, 404 and 400.
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildServer } from '../../src/http/server.ts'
import type { Supervisor } from '../../src/runtime/supervisor.ts'
import { SUP_ERR_APP_NOT_FOUND } from '../../src/errors.ts'
import { renderUpstream } from '../../src/core/upstream.ts'

/** buildServer over stand-ins: only `api` exists, serving on 8001 and 8000. */
function setup () {
  const server = buildServer({ checkAnswers: true,
    supervisor: {} as unknown as Supervisor,
    version: 't', home: '/h', pid: 1, logger: false, logsDir: '/h/logs', nginxDir: '/h/nginx',
    servingPorts: (app) => { if (app !== 'api') throw new SUP_ERR_APP_NOT_FOUND(app); return [8001, 8000] },
    eventsAfter: () => [],
    requestShutdown: () => undefined
  })
  onTestFinished(() => server.close())
  return server
}

describe('GET /apps/:app/nginx', () => {
  it('answers the upstream as sup writes it and a server block naming the include glob', async () => {
    const res = await setup().inject({ method: 'GET', url: '/apps/api/nginx?listen=127.0.0.1:8080&serverName=api.example.com' })
    expect(res.statusCode).toBe(200)
    const body = res.json<{ upstreamPath: string; upstream: string; server: string }>()
    expect(body.upstreamPath).toBe('/h/nginx/api.conf')
    expect(body.upstream).toBe(renderUpstream('api', [8000, 8001]))
    expect(body.server).toContain('include /h/nginx/*.conf;')
    expect(body.server).toContain('    listen 127.0.0.1:8080;\n    server_name api.example.com;')
    expect(body.server).toContain('proxy_pass http://sup_api;')
  })

  it('listens on 80 by default', async () => {
    const res = await setup().inject({ method: 'GET', url: '/apps/api/nginx' })
    expect(res.json<{ server: string }>().server).toContain('    listen 80;')
  })

  it('is a 404 for an unknown app', async () => {
    const res = await setup().inject({ method: 'GET', url: '/apps/nope/nginx' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error: { code: 'SUP_ERR_APP_NOT_FOUND' } })
  })

  it.each(['80;%20}', '80%0Aserver', ''])('refuses listen=%s with a 400 (it would be pasted into nginx config)', async (listen) => {
    const res = await setup().inject({ method: 'GET', url: `/apps/api/nginx?listen=${listen}` })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ error: { code: 'SUP_ERR_INVALID_INPUT' } })
  })
})
