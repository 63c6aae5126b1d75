// Pure parts of the transport: query strings, the default home and socket.
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
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
})
