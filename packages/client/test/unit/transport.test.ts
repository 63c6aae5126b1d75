// Pure parts of the transport: query strings, the default home and socket.
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Readable } from 'node:stream'
import { MAX_SOCKET_PATH_BYTES, SUP_ERR_CLIENT_OPTIONS, SUP_ERR_DAEMON_UNREACHABLE, type SupClientError } from '../../src/errors.ts'
import { buildPath, createTransport, defaultHome, socketPathOf } from '../../src/transport.ts'

describe('buildPath', () => {
  it('leaves undefined values out and encodes the rest', () => {
    expect(buildPath('/events')).toBe('/events')
    expect(buildPath('/events', { app: undefined, limit: undefined })).toBe('/events')
    expect(buildPath('/events', { app: 'a b&c', limit: 5 })).toBe('/events?app=a%20b%26c&limit=5')
    expect(buildPath('/apps', { wait: false })).toBe('/apps?wait=false')
  })
})

describe('defaultHome', () => {
  it('uses SUP_HOME made absolute, else ~/.sup', () => {
    expect(defaultHome({ SUP_HOME: '/tmp/x' })).toBe('/tmp/x')
    expect(defaultHome({ SUP_HOME: 'rel' })).toBe(resolve('rel'))
    expect(defaultHome({})).toBe(join(homedir(), '.sup'))
    expect(defaultHome({ SUP_HOME: '' })).toBe(join(homedir(), '.sup'))
  })

  it('puts the socket in the home', () => {
    expect(socketPathOf('/h')).toBe('/h/sup.sock')
  })
})

describe('createTransport', () => {
  it('targets the socket, or the base URL when given', () => {
    expect(createTransport({ socketPath: '/h/sup.sock' }).target).toBe('/h/sup.sock')
    expect(createTransport({ baseUrl: 'http://127.0.0.1:9002/' }).target).toBe('http://127.0.0.1:9002')
  })

  it('refuses protocols it cannot speak', () => {
    expect(() => createTransport({ baseUrl: 'ftp://x' })).toThrow(/Unsupported baseUrl/)
  })

  it('refuses every call on a socket path longer than a unix socket path can be, and names the limit', async () => {
    const fits = `/tmp/${'s'.repeat(MAX_SOCKET_PATH_BYTES - '/tmp/'.length - '/sup.sock'.length)}/sup.sock`
    expect(Buffer.byteLength(fits)).toBe(107)
    const tooLong = fits.replace('/sup.sock', 's/sup.sock')
    const refused = await createTransport({ socketPath: tooLong }).request({ method: 'GET', path: '/healthz' }).catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: SUP_ERR_CLIENT_OPTIONS, message: `SUP_HOME is too long: its socket ${tooLong} would be 108 bytes, and a unix socket path takes at most 107` })
    expect((refused as SupClientError).hint).toMatch(/shorter directory/)
    await expect(createTransport({ socketPath: tooLong }).upload({ path: '/deploy/u/a', body: Readable.from([]) })).rejects.toMatchObject({ code: SUP_ERR_CLIENT_OPTIONS })
    // one byte less is a path like any other: nobody listens there
    await expect(createTransport({ socketPath: fits }).request({ method: 'GET', path: '/healthz' })).rejects.toMatchObject({ code: SUP_ERR_DAEMON_UNREACHABLE })
  })
})
