// The client against a tiny canned-JSON server on a unix socket: method -> route mapping and error decoding.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createClient, SupClientError, type SupClient } from '../../src/index.ts'

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: string }
type Handler = (req: Seen, res: ServerResponse) => void

const APP = { name: 'api', desired: 'running', spec: {}, workers: [] }

function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

/** Answers every route with canned JSON, unless a test replaces the handler. */
const cannedHandler: Handler = (req, res) => {
  const route = `${req.method} ${req.url.split('?')[0] ?? ''}`
  if (route === 'GET /healthz') return json(res, 200, { ok: true, pid: 42, version: '0.1.0', home: '/h' })
  if (route === 'GET /apps') return json(res, 200, { apps: [APP] })
  if (route === 'POST /apps') return json(res, 201, APP)
  if (route === 'DELETE /apps/api') return json(res, 200, { deleted: 'api' })
  if (route === 'GET /events') return json(res, 200, { events: [] })
  if (route === 'POST /daemon/shutdown') return json(res, 202, { ok: true, pid: 42 })
  if (route.startsWith('GET /apps/') || route.startsWith('POST /apps/')) return json(res, 200, APP)
  json(res, 404, { error: { code: 'SUP_ERR_ROUTE_NOT_FOUND', message: `No route ${route}` } })
}

let dir: string
let server: Server
let seen: Seen[]
let handler: Handler

function listen (srv: Server, where: string | number): Promise<void> {
  return new Promise((resolve) => srv.listen(where, resolve))
}

function startServer (): Server {
  return createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => { body += c })
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      seen.push(s)
      handler(s, res)
    })
  })
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sup-client-'))
  seen = []
  handler = cannedHandler
  server = startServer()
  await listen(server, join(dir, 'sup.sock'))
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

const client = (): SupClient => createClient({ home: dir })

describe('method -> route', () => {
  it.each<[string, (c: SupClient) => Promise<unknown>, string, string, unknown]>([
    ['health', (c) => c.health(), 'GET', '/healthz', undefined],
    ['listApps', (c) => c.listApps(), 'GET', '/apps', undefined],
    ['getApp', (c) => c.getApp('api'), 'GET', '/apps/api', undefined],
    ['startApp', (c) => c.startApp({ script: '/srv/app.js', instances: '5' }), 'POST', '/apps', { script: '/srv/app.js', instances: '5' }],
    ['startApp no wait', (c) => c.startApp({ script: '/srv/app.js' }, { wait: false }), 'POST', '/apps?wait=false', { script: '/srv/app.js' }],
    ['startExisting', (c) => c.startExisting('api'), 'POST', '/apps/api/start', undefined],
    ['stopApp', (c) => c.stopApp('api'), 'POST', '/apps/api/stop', undefined],
    ['restartApp', (c) => c.restartApp('api'), 'POST', '/apps/api/restart', undefined],
    ['scaleApp', (c) => c.scaleApp('api', '3'), 'POST', '/apps/api/scale', { instances: '3' }],
    ['deleteApp', (c) => c.deleteApp('api'), 'DELETE', '/apps/api', undefined],
    ['listEvents', (c) => c.listEvents(), 'GET', '/events', undefined],
    ['listEvents filtered', (c) => c.listEvents({ app: 'api', limit: 5 }), 'GET', '/events?app=api&limit=5', undefined],
    ['shutdown', (c) => c.shutdown(), 'POST', '/daemon/shutdown', undefined],
    ['shutdown keeping the workers', (c) => c.shutdown({ keepWorkers: true }), 'POST', '/daemon/shutdown', { keepWorkers: true }]
  ])('%s', async (_name, call, method, url, body) => {
    await call(client())
    expect(seen).toHaveLength(1)
    const req = seen[0]
    expect(req?.method).toBe(method)
    expect(req?.url).toBe(url)
    if (body === undefined) {
      expect(req?.body).toBe('')
      expect(req?.headers['content-type']).toBeUndefined()
    } else {
      expect(JSON.parse(req?.body ?? '')).toEqual(body)
      expect(req?.headers['content-type']).toBe('application/json')
    }
  })

  it('returns the parsed answers', async () => {
    const c = client()
    await expect(c.health()).resolves.toEqual({ ok: true, pid: 42, version: '0.1.0', home: '/h' })
    await expect(c.listApps()).resolves.toEqual({ apps: [APP] })
    await expect(c.deleteApp('api')).resolves.toEqual({ deleted: 'api' })
    await expect(c.shutdown()).resolves.toEqual({ ok: true, pid: 42 })
  })

  it('encodes app names in the path', async () => {
    await client().getApp('a/b c').catch(() => undefined)
    expect(seen[0]?.url).toBe('/apps/a%2Fb%20c')
  })
})

describe('errors', () => {
  it('rejects with the daemon error code, status and hint', async () => {
    handler = (_req, res) => json(res, 404, { error: { code: 'SUP_ERR_APP_NOT_FOUND', message: "App 'nope' not found", hint: 'h' } })
    const err = await client().getApp('nope').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SupClientError)
    expect(err).toMatchObject({ code: 'SUP_ERR_APP_NOT_FOUND', statusCode: 404, message: "App 'nope' not found", hint: 'h' })
  })

  it('decodes a field-level 400', async () => {
    handler = (_req, res) => json(res, 400, { error: { code: 'SUP_ERR_INVALID_SPEC', message: "Invalid instances: 'x' must be a whole number" } })
    await expect(client().startApp({ script: '/a.js', instances: 'x' })).rejects.toMatchObject({ code: 'SUP_ERR_INVALID_SPEC', statusCode: 400 })
  })

  it('rejects a non-JSON answer', async () => {
    handler = (_req, res) => res.writeHead(200).end('<html>')
    await expect(client().listApps()).rejects.toMatchObject({ code: 'SUP_ERR_CLIENT_BAD_RESPONSE', statusCode: 200 })
    handler = (_req, res) => res.writeHead(500).end('Internal Server Error')
    await expect(client().listApps()).rejects.toMatchObject({ code: 'SUP_ERR_CLIENT_BAD_RESPONSE', statusCode: 500 })
  })

  it('reports a missing socket as SUP_ERR_DAEMON_UNREACHABLE', async () => {
    const err = await createClient({ home: join(dir, 'none') }).health().catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'SUP_ERR_DAEMON_UNREACHABLE', statusCode: 0 })
    expect((err as SupClientError).hint).toContain(join(dir, 'none', 'daemon.log'))
  })

  it('reports a stale socket file as SUP_ERR_DAEMON_UNREACHABLE', async () => {
    const stale = join(dir, 'stale.sock')
    await writeFile(stale, '')
    await expect(createClient({ socketPath: stale }).listApps()).rejects.toMatchObject({ code: 'SUP_ERR_DAEMON_UNREACHABLE' })
  })

  it('times out a daemon that does not answer', async () => {
    handler = () => { /* never answers */ }
    const started = Date.now()
    await expect(client().health({ timeoutMs: 100 })).rejects.toMatchObject({ code: 'SUP_ERR_CLIENT_TIMEOUT' })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('reports a connection cut mid-answer', async () => {
    handler = (_req, res) => { res.writeHead(200, { 'content-length': '100' }); res.write('{"apps"'); setTimeout(() => res.destroy(), 10) }
    await expect(client().listApps()).rejects.toMatchObject({ code: 'SUP_ERR_DAEMON_LOST' })
  })
})

describe('TCP', () => {
  it('sends the bearer token to baseUrl', async () => {
    const tcp = startServer()
    await listen(tcp, 0)
    try {
      const { port } = tcp.address() as AddressInfo
      const c = createClient({ baseUrl: `http://127.0.0.1:${port}`, token: 's3cret' })
      await c.getApp('api')
      expect(seen[0]?.url).toBe('/apps/api')
      expect(seen[0]?.headers.authorization).toBe('Bearer s3cret')
    } finally {
      tcp.closeAllConnections()
      await new Promise((resolve) => tcp.close(resolve))
    }
  })
})
