// The JSON calls' HTTP/1.1 exchange over node:net: what it sends, and every way an answer can come back (whole,
// in pieces, chunked, cut short, not HTTP, never), against a unix-socket server that writes exactly the given bytes.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { answerEnd, exchange, parseAnswer, requestBytes } from '../../src/http-exchange.ts'

const GET = { method: 'GET', path: '/apps', headers: { accept: 'application/json' } }
const TIMEOUT = (): Error => new Error('timed out')
const cleanup: Array<() => void> = []
afterEach(() => { for (const c of cleanup.splice(0)) c() })

/** A server on a fresh unix socket (or on 127.0.0.1 with `tcp`); `serveOne` gets each connection and its request. */
async function serve (serveOne: (socket: Socket, request: string) => void, tcp = false): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sup-exchange-'))
  const socketPath = join(dir, 's.sock')
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    let text = ''
    let served = false
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1')
      if (!served && text.includes('\r\n\r\n')) { served = true; serveOne(socket, text) }
    })
    socket.on('error', () => { /* the client went away */ })
  })
  await new Promise<void>((resolve) => { if (tcp) server.listen(0, '127.0.0.1', resolve); else server.listen(socketPath, resolve) })
  cleanup.push(() => { for (const s of sockets) s.destroy(); server.close(); rmSync(dir, { recursive: true, force: true }) })
  const address = server.address()
  return tcp && typeof address === 'object' && address !== null ? String(address.port) : socketPath
}

/** Writes `bytes` one byte per tick. */
async function dribble (socket: Socket, bytes: string): Promise<void> {
  for (const ch of bytes) {
    socket.write(ch, 'latin1')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('the request', () => {
  it('is the method, the path, host, connection: close, the headers and the body', () => {
    const bytes = requestBytes({ socketPath: '/x' }, { method: 'POST', path: '/apps?x=1', headers: { 'content-type': 'application/json', 'content-length': '7' }, body: '{"a":1}' })
    expect(bytes.toString()).toBe('POST /apps?x=1 HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\n{"a":1}')
    expect(requestBytes({ host: '::1', port: 9002 }, GET).toString()).toContain('\r\nhost: [::1]:9002\r\n')
  })

  it('refuses a header value holding a line break, and a path holding a space or a line break (nothing can be smuggled in)', () => {
    expect(() => requestBytes({ socketPath: '/x' }, { ...GET, headers: { authorization: 'Bearer a\r\nx-evil: 1' } })).toThrow(/line break/)
    for (const path of ['/apps/a b', '/apps\r\nx-evil: 1', 'apps', '/apps/é']) expect(() => requestBytes({ socketPath: '/x' }, { ...GET, path })).toThrow(/must not/)
  })
})

describe('an answer', () => {
  it('in one-byte pieces, with a content-length, is taken whole before the connection ends', async () => {
    const path = await serve((s) => { void dribble(s, 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"apps":[]}') })
    const answer = await exchange({ socketPath: path }, GET, { timeoutError: TIMEOUT })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toBe('application/json')
    expect(answer.body.toString()).toBe('{"apps":[]}')
  })

  it('chunked, a chunk of which ends as the last chunk does, is joined whole', async () => {
    const path = await serve((s) => { void dribble(s, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab0\r\n\r\n3\r\ncde\r\n0\r\n\r\n') })
    expect((await exchange({ socketPath: path }, GET, { timeoutError: TIMEOUT })).body.toString()).toBe('ab0\r\ncde')
  })

  it('with no length is read to the connection\'s end', async () => {
    const path = await serve((s) => { s.end('HTTP/1.1 503 Service Unavailable\r\n\r\nnot ready') })
    const answer = await exchange({ socketPath: path }, GET, { timeoutError: TIMEOUT })
    expect([answer.status, answer.body.toString()]).toEqual([503, 'not ready'])
  })

  it('followed by a reset (TCP) still stands', async () => {
    const port = await serve((s) => { s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}', () => s.resetAndDestroy()) }, true)
    expect((await exchange({ host: '127.0.0.1', port: Number(port) }, GET, { timeoutError: TIMEOUT })).body.toString()).toBe('{}')
  })
})

describe('no usable answer', () => {
  it('cut short: shorter than its content-length, or chunked without its last chunk', async () => {
    for (const bytes of ['HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{"a"', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{"a"\r\n', 'HTTP/1.1 200 OK\r\ncontent-le']) {
      const path = await serve((s) => { s.end(bytes) })
      await expect(exchange({ socketPath: path }, GET, { timeoutError: TIMEOUT })).rejects.toMatchObject({ code: 'ECONNRESET', message: 'the answer was cut short' })
    }
  })

  it('none at all: a hang-up (ECONNRESET), as node:http says it', async () => {
    const path = await serve((s) => { s.end() })
    await expect(exchange({ socketPath: path }, GET, { timeoutError: TIMEOUT })).rejects.toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' })
  })

  it('not HTTP, or a malformed header, or a content-length that is no number', async () => {
    const cases: Array<[string, RegExp]> = [
      ['SSH-2.0-OpenSSH\r\n\r\n', /not HTTP\/1\.x/],
      ['abc', /not HTTP\/1\.x/],
      ['HTTP/1.1 200 OK\r\nbad header\r\n\r\n{}', /malformed header line/],
      ['HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n{}', /content-length is not a number/],
      ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n', /chunk size/]
    ]
    for (const [bytes, message] of cases) {
      const path = await serve((s) => { s.end(bytes) })
      await expect(exchange({ socketPath: path }, GET, { timeoutError: TIMEOUT })).rejects.toThrow(message)
    }
  })

  it('too late: the timeout\'s error, and the connection is closed', async () => {
    let closed = false
    const path = await serve((s) => { s.on('close', () => { closed = true }) })
    await expect(exchange({ socketPath: path }, GET, { timeoutMs: 50, timeoutError: TIMEOUT })).rejects.toThrow('timed out')
    await expect.poll(() => closed).toBe(true)
  })

  it('no server: node\'s connection error (ENOENT), for errorFromConnection to explain', async () => {
    await expect(exchange({ socketPath: join(tmpdir(), 'sup-no-such.sock') }, GET, { timeoutError: TIMEOUT })).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('parseAnswer and answerEnd', () => {
  it('agree on where an answer ends', () => {
    const whole = Buffer.from('HTTP/1.0 204 No Content\r\nContent-Length: 0\r\n\r\n')
    expect(answerEnd(whole)).toBe(whole.length)
    expect(parseAnswer(whole).status).toBe(204)
    expect(answerEnd(Buffer.from('HTTP/1.1 200 OK\r\n'))).toBeNull()
    expect(answerEnd(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'))).toBe('chunked')
    expect(answerEnd(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))).toBe('eof')
  })
})
