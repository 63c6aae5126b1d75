// client.logs() and client.streamEvents() against a tiny NDJSON server on a unix socket: parsing, errors, abort, cleanup.
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createClient, isSupClientError, type LogRecord, type SupClient } from '../../src/index.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

let dir: string
let server: Server
let handler: Handler
let client: SupClient
let closed: string[]

const rec = (line: string, instance = 0): LogRecord => ({ time: 1, app: 'api', instance, stream: 'out', line })

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sup-client-'))
  closed = []
  server = createServer((req, res) => {
    res.on('close', () => closed.push(req.url ?? ''))
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(join(dir, 'sup.sock'), resolve))
  client = createClient({ home: dir })
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

async function collect<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('client.logs', () => {
  it('asks GET /logs/<target> with the options and yields each record, however the bytes are cut', async () => {
    let url = ''
    handler = (req, res) => {
      url = req.url ?? ''
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      const body = Buffer.from(`${JSON.stringify(rec('héllo {"a":1}'))}\n\n${JSON.stringify(rec('€ second', 1))}\n${JSON.stringify(rec('no newline at the end'))}`)
      const cut = body.indexOf(Buffer.from('€')) + 1 // inside a multi-byte character
      res.write(body.subarray(0, 7))
      res.write(body.subarray(7, cut))
      setTimeout(() => res.end(body.subarray(cut)), 20)
    }
    const got = await collect(client.logs('api:1', { lines: 5, follow: false, stream: 'err', since: 1000 }))
    expect(url).toBe('/logs/api%3A1?lines=5&follow=false&stream=err&since=1000')
    expect(got.map((r) => r.line)).toEqual(['héllo {"a":1}', '€ second', 'no newline at the end'])
  })

  it('rejects with the daemon error before any line', async () => {
    handler = (_req, res) => { res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'SUP_ERR_APP_NOT_FOUND', message: "App 'ghost' not found" } })) }
    const err = await collect(client.logs('ghost')).catch((e: unknown) => e)
    expect(isSupClientError(err, 'SUP_ERR_APP_NOT_FOUND')).toBe(true)
    expect(err).toMatchObject({ statusCode: 404, message: "App 'ghost' not found" })
  })

  it('ends quietly on abort, and the daemon sees the connection close', async () => {
    handler = (_req, res) => { res.writeHead(200).write(`${JSON.stringify(rec('first'))}\n`) } // never ends
    const ac = new AbortController()
    const got: LogRecord[] = []
    for await (const r of client.logs('all', { follow: true, signal: ac.signal })) {
      got.push(r)
      ac.abort()
    }
    expect(got.map((r) => r.line)).toEqual(['first'])
    await expect.poll(() => closed).toHaveLength(1)
  })

  it('ends quietly when aborted before the answer starts', async () => {
    handler = () => undefined // never answers
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 30)
    expect(await collect(client.logs('all', { follow: true, signal: ac.signal }))).toEqual([])
  })

  it('closes the connection when the consumer stops (break)', async () => {
    handler = (_req, res) => { res.writeHead(200).write(`${JSON.stringify(rec('a'))}\n${JSON.stringify(rec('b'))}\n`) }
    for await (const _r of client.logs('all', { follow: true })) break
    await expect.poll(() => closed).toHaveLength(1)
  })

  it('rejects when the daemon cuts the stream, or streams something that is not JSON', async () => {
    handler = (_req, res) => { res.writeHead(200).write(`${JSON.stringify(rec('a'))}\n`); setTimeout(() => res.destroy(), 20) }
    await expect(collect(client.logs('all', { follow: true }))).rejects.toMatchObject({ code: 'SUP_ERR_DAEMON_LOST' })
    handler = (_req, res) => { res.writeHead(200).end('<html>\n') }
    await expect(collect(client.logs('all'))).rejects.toMatchObject({ code: 'SUP_ERR_CLIENT_BAD_RESPONSE' })
  })

  it('rejects with SUP_ERR_DAEMON_UNREACHABLE when no daemon answers', async () => {
    const nobody = createClient({ home: join(dir, 'nowhere') })
    await expect(collect(nobody.logs('all'))).rejects.toMatchObject({ code: 'SUP_ERR_DAEMON_UNREACHABLE' })
  })
})

describe('client.streamEvents', () => {
  const event = (id: number) => ({ id, time: 1, app: 'api', instance: 0, type: 'exit', from: 'online', to: 'backoff', reason: 'r', data: null })

  it('follows GET /events?follow=true as NDJSON', async () => {
    let url = ''
    handler = (req, res) => { url = req.url ?? ''; res.writeHead(200).end(`${JSON.stringify(event(1))}\n${JSON.stringify(event(2))}\n`) }
    const got = await collect(client.streamEvents({ app: 'api', limit: 3, follow: true }))
    expect(url).toBe('/events?app=api&limit=3&follow=true')
    expect(got.map((e) => e.id)).toEqual([1, 2])
  })

  it('without follow, yields the listed events', async () => {
    let url = ''
    handler = (req, res) => { url = req.url ?? ''; res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ events: [event(7)] })) }
    expect((await collect(client.streamEvents({ limit: 1 }))).map((e) => e.id)).toEqual([7])
    expect(url).toBe('/events?limit=1')
  })
})
