// errorFromBody / errorFromConnection: daemon answers and socket failures -> SupClientError.
import { describe, expect, it } from 'vitest'
import {
  errorFromBody, errorFromConnection, isSupClientError, SupClientError,
  SUP_ERR_CLIENT_BAD_RESPONSE, SUP_ERR_CLIENT_CONNECTION, SUP_ERR_DAEMON_UNREACHABLE
} from '../../src/errors.ts'

describe('errorFromBody', () => {
  it('decodes sup error bodies with a hint', () => {
    const err = errorFromBody(404, { error: { code: 'SUP_ERR_APP_NOT_FOUND', message: "App 'x' not found", hint: 'look' } })
    expect(err).toBeInstanceOf(SupClientError)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ code: 'SUP_ERR_APP_NOT_FOUND', message: "App 'x' not found", statusCode: 404, hint: 'look', name: 'SupClientError' })
  })

  it('leaves hint out when the daemon gave none', () => {
    const err = errorFromBody(409, { error: { code: 'SUP_ERR_APP_EXISTS', message: 'exists' } })
    expect(err.hint).toBeUndefined()
    expect('hint' in err).toBe(false)
  })

  it("decodes fastify's default error shape", () => {
    const err = errorFromBody(400, { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: 'body/instances must be number' })
    expect(err).toMatchObject({ code: 'FST_ERR_VALIDATION', statusCode: 400, message: 'body/instances must be number' })
  })

  it.each([
    [undefined, ''],
    ['oops', 'oops'],
    [{ error: 'Bad Gateway' }, '{"error":"Bad Gateway"}'],
    [{ error: { code: 1, message: 'x' } }, '']
  ])('falls back to a bad-response error for %j', (body, raw) => {
    const err = errorFromBody(502, body, raw)
    expect(err.code).toBe(SUP_ERR_CLIENT_BAD_RESPONSE)
    expect(err.statusCode).toBe(502)
    expect(err.message).toContain('HTTP 502')
  })
})

describe('errorFromConnection', () => {
  const sock = { socketPath: '/home/u/.sup/sup.sock' }

  it.each(['ENOENT', 'ECONNREFUSED'])('maps %s on the socket to SUP_ERR_DAEMON_UNREACHABLE with a hint', (code) => {
    const cause = Object.assign(new Error(`connect ${code}`), { code })
    const err = errorFromConnection(cause, sock)
    expect(err.code).toBe(SUP_ERR_DAEMON_UNREACHABLE)
    expect(err.statusCode).toBe(0)
    expect(err.message).toContain('/home/u/.sup/sup.sock')
    expect(err.hint).toContain('/home/u/.sup/daemon.log')
    expect(err.cause).toBe(cause)
  })

  it('names the URL for TCP', () => {
    const err = errorFromConnection(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), { baseUrl: 'http://127.0.0.1:9002' })
    expect(err.code).toBe(SUP_ERR_DAEMON_UNREACHABLE)
    expect(err.hint).toContain('http://127.0.0.1:9002')
  })

  it('explains permission errors', () => {
    const err = errorFromConnection(Object.assign(new Error('x'), { code: 'EACCES' }), sock)
    expect(err.code).toBe(SUP_ERR_CLIENT_CONNECTION)
    expect(err.hint).toContain('another user')
  })

  it('a connection reset before the answer is a lost daemon, said the same way for every command', () => {
    const err = errorFromConnection(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), sock)
    expect(err.code).toBe('SUP_ERR_DAEMON_LOST')
    expect(err.message).toMatch(/went away before answering \(socket hang up\)/)
    expect(err.hint).toMatch(/sup list/)
  })

  it('wraps anything else as a connection error', () => {
    const err = errorFromConnection(Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' }), sock)
    expect(err.code).toBe(SUP_ERR_CLIENT_CONNECTION)
    expect(err.message).toContain('EHOSTUNREACH')
  })
})

describe('isSupClientError', () => {
  it('narrows by class and code', () => {
    const err = new SupClientError('SUP_ERR_X', 'x')
    expect(isSupClientError(err)).toBe(true)
    expect(isSupClientError(err, 'SUP_ERR_X')).toBe(true)
    expect(isSupClientError(err, 'SUP_ERR_Y')).toBe(false)
    expect(isSupClientError(new Error('x'))).toBe(false)
  })
})
