// deploy(), releases(), rollback(), waitFor() against a small HTTP server on 127.0.0.1 that records what it got.
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { Parser, type ReadEntry } from 'tar'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tmpDir } from '@sup/test-support'
import { createClient, type SupClient } from '../../src/index.ts'
import { packDirectory } from '../../src/pack-dir.ts'

interface Got { method: string; url: string; headers: IncomingMessage['headers']; entries: string[]; bytes: number; json?: unknown }
type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void

const RELEASE = { id: '20261123T220501Z-3f9a1c', app: 'web', user: 'alice', sha256: '3f9a1c'.padEnd(64, '0'), createdAt: 1, size: 10, unpackedSize: 20, files: 2, current: true }
const WORKER = { app: 'web', instance: 0, state: 'online', pid: 123, port: 8000, restarts: 0, startedAt: 1, lastExit: null }

let server: Server
let got: Got[]
let handler: Handler
let client: SupClient

function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

/** Reads a tar.gz request body: the entry paths, and how many compressed bytes came. */
async function readUpload (req: IncomingMessage, g: Got): Promise<void> {
  const parser = new Parser({ onReadEntry: (e: ReadEntry) => { g.entries.push(e.path); e.resume() } })
  const count = new Transform({ transform (c: Buffer, _e, cb) { g.bytes += c.length; cb(null, c) } })
  await pipeline(req, count, createGunzip(), parser)
}

const defaultHandler: Handler = async (req, res) => {
  const g: Got = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, entries: [], bytes: 0 }
  got.push(g)
  if (g.url.startsWith('/deploy/')) {
    await readUpload(req, g)
    return json(res, 200, { release: RELEASE, workers: [WORKER] })
  }
  let text = ''
  for await (const c of req) text += String(c)
  if (text !== '') g.json = JSON.parse(text)
  if (g.url === '/apps/web/releases') return json(res, 200, { releases: [RELEASE] })
  if (g.url === '/apps/new/releases') return json(res, 200, { releases: [] })
  if (g.url === '/apps/web/rollback') return json(res, 200, { release: RELEASE, workers: [WORKER] })
  json(res, 404, { error: { code: 'SUP_ERR_ROUTE_NOT_FOUND', message: 'no' } })
}

beforeEach(async () => {
  got = []
  handler = defaultHandler
  server = createServer((req, res) => { void Promise.resolve(handler(req, res)).catch((err: unknown) => json(res, 500, { error: { code: 'TEST', message: String(err) } })) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  client = createClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't0ken-t0ken-t0ken' })
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

function appDir (): string {
  const dir = tmpDir('deploy-')
  mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true })
  writeFileSync(join(dir, 'server.js'), 'x')
  writeFileSync(join(dir, '.supignore'), 'notes.txt\n')
  writeFileSync(join(dir, 'notes.txt'), 'x')
  writeFileSync(join(dir, 'node_modules', 'x', 'i.js'), 'x')
  return dir
}

describe('deploy over TCP', () => {
  it('streams the directory as a chunked tar.gz with the bearer token, to the app\'s user, with the overrides', async () => {
    const result = await client.deploy(appDir(), { app: 'web', instances: 3, portRange: '8000-8002' })
    expect(result.release.id).toBe(RELEASE.id)
    const upload = got.find((g) => g.method === 'POST')
    expect(upload?.url).toBe('/deploy/alice/web?instances=3&portRange=8000-8002') // alice: the user of web's releases
    expect(upload?.headers.authorization).toBe('Bearer t0ken-t0ken-t0ken')
    expect(upload?.headers['transfer-encoding']).toBe('chunked')
    expect(upload?.entries.sort()).toEqual(['.supignore', 'server.js'])
    expect(got.every((g) => g.headers.authorization === 'Bearer t0ken-t0ken-t0ken')).toBe(true)
  })

  it("a first deploy without a user goes to 'default'; an explicit user is used as given", async () => {
    await client.deploy(appDir(), { app: 'new' })
    await client.deploy(appDir(), { app: 'web', user: 'bob' })
    expect(got.filter((g) => g.method === 'POST').map((g) => g.url)).toEqual(['/deploy/default/new', '/deploy/bob/web'])
  })

  it('uploads a given stream as it is, reporting the bytes sent', async () => {
    const { stream } = await packDirectory(appDir())
    const seen: number[] = []
    await client.deploy(stream, { app: 'web', user: 'alice', onProgress: (n) => seen.push(n) })
    const upload = got.find((g) => g.method === 'POST')
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.at(-1)).toBe(upload?.bytes)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen)
  })

  it("rejects with the daemon's code and the new workers' output lines", async () => {
    handler = async (req, res) => {
      for await (const _ of req) { /* read it all */ }
      json(res, 422, { error: { code: 'SUP_ERR_DEPLOY_FAILED', message: "Deploy of 'web' failed", output: ['listening...', 'Error: boom'] } })
    }
    await expect(client.deploy(appDir(), { app: 'web', user: 'alice' })).rejects.toMatchObject({ code: 'SUP_ERR_DEPLOY_FAILED', statusCode: 422, output: ['listening...', 'Error: boom'] })
  })

  it('an answer sent before the upload is read wins (401 without reading the body), and the upload stops', async () => {
    handler = (_req, res) => { res.setHeader('connection', 'close'); json(res, 401, { error: { code: 'SUP_ERR_UNAUTHORIZED', message: 'Missing or wrong bearer token' } }) }
    let pulled = 0
    const endless = new Readable({ read () { pulled++; this.push(Buffer.alloc(1024)) } })
    const err = await client.deploy(endless, { app: 'web', user: 'alice' }).catch((e: unknown) => e)
    // Either the answer arrived before the write failed, or the client asked again and got the same 401.
    expect(err).toMatchObject({ code: 'SUP_ERR_UNAUTHORIZED', statusCode: 401 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    const after = pulled
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(pulled).toBe(after)
    expect(endless.destroyed).toBe(true)
  })

  it('an upload refused midway (413, connection closed) ends with that answer or SUP_ERR_CLIENT_UPLOAD_CUT, never hangs', async () => {
    handler = async (req, res) => {
      if (!(req.url ?? '').startsWith('/deploy/')) return json(res, 200, { ok: true, pid: 1, version: 'x', home: '/h' })
      let read = 0
      for await (const c of req) { read += (c as Buffer).length; if (read > 256 * 1024) break }
      res.setHeader('connection', 'close')
      json(res, 413, { error: { code: 'SUP_ERR_TOO_LARGE', message: 'Archive refused, nothing was changed: the upload is larger than 262144 bytes' } })
    }
    const endless = new Readable({ read () { this.push(Buffer.alloc(64 * 1024)) } })
    const err = await client.deploy(endless, { app: 'web', user: 'alice' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: expect.stringMatching(/^SUP_ERR_(TOO_LARGE|CLIENT_UPLOAD_CUT)$/) })
    expect(endless.destroyed).toBe(true)
  })

  it('a directory that does not exist rejects before any request', async () => {
    await expect(client.deploy(join(tmpDir('deploy-'), 'nope'), { app: 'web', user: 'alice' })).rejects.toMatchObject({ code: 'SUP_ERR_CLIENT_DEPLOY_SOURCE' })
    expect(got).toEqual([])
  })
})

describe('releases, rollback, waitFor', () => {
  it('lists releases and rolls back to the one before, or to an id', async () => {
    expect((await client.releases('web')).releases[0]?.current).toBe(true)
    await client.rollback('web')
    await client.rollback('web', RELEASE.id)
    const posts = got.filter((g) => g.url === '/apps/web/rollback')
    expect(posts.map((g) => g.json)).toEqual([{}, { id: RELEASE.id }])
  })

  it('waitFor resolves once every worker is in the state, and times out with a typed error', async () => {
    let calls = 0
    const app = (state: string): unknown => ({ name: 'web', desired: 'running', spec: { instances: 2 }, workers: [{ ...WORKER, state: 'online' }, { ...WORKER, instance: 1, state }] })
    handler = (req, res) => {
      calls++
      if (req.url === '/apps/web') return json(res, 200, app(calls < 3 ? 'starting' : 'online'))
      json(res, 200, app('backoff'))
    }
    const view = await client.waitFor('web', 'online', { timeoutMs: 5_000, intervalMs: 10 })
    expect(view.workers.map((w) => w.state)).toEqual(['online', 'online'])
    expect(calls).toBe(3)
    const started = Date.now()
    await expect(client.waitFor('other', 'online', { timeoutMs: 150, intervalMs: 10 })).rejects.toMatchObject({
      code: 'SUP_ERR_CLIENT_WAIT_TIMEOUT',
      message: expect.stringContaining('1: backoff')
    })
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('events() iterates the events; listEvents() answers the list', async () => {
    handler = (_req, res) => json(res, 200, { events: [{ id: 1, time: 1, app: 'web', instance: 0, type: 'online', from: 'starting', to: 'online', reason: 'port open' }] })
    const types: string[] = []
    for await (const e of client.events({ app: 'web' })) types.push(e.type)
    expect(types).toEqual(['online'])
    expect((await client.listEvents({ app: 'web' })).events).toHaveLength(1)
  })
})

describe('a daemon that dies mid-deploy', () => {
  it('after reading the whole upload: the deploy rejects with SUP_ERR_DAEMON_LOST (it never settled before: exit 13)', async () => {
    handler = async (req, res) => {
      for await (const _ of req) { /* read it all */ }
      res.socket?.destroy() // the daemon dies while npm would run
    }
    const err = await client.deploy(Readable.from([Buffer.alloc(64 * 1024, 1)]), { app: 'web', user: 'alice' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'SUP_ERR_DAEMON_LOST' })
    expect((err as Error).message).toMatch(/went away before answering/)
  })

  it('any other request: the same SUP_ERR_DAEMON_LOST, not "socket hang up"', async () => {
    handler = (req) => { req.socket.destroy() }
    const err = await client.reloadApp('web').catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'SUP_ERR_DAEMON_LOST' })
  })
})
