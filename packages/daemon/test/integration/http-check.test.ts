// The health check reaches a worker on whichever loopback address it listens, as readiness does.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { httpCheck } from '../../src/adapters/http-check.ts'

async function serve (host: string, status: number): Promise<number> {
  const server: Server = createServer((_req, res) => { res.statusCode = status; res.end('x') })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  onTestFinished(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return (server.address() as AddressInfo).port
}

describe('httpCheck', () => {
  it('is healthy for an app bound to ::1 only (readiness accepts ::1; the health check said unhealthy before)', async () => {
    expect(await httpCheck(await serve('::1', 200), '/healthz', 1_000)).toBe(true)
  })
  it('is healthy on 127.0.0.1 and unhealthy on a 500 there (no second try on another address)', async () => {
    expect(await httpCheck(await serve('127.0.0.1', 200), '/healthz', 1_000)).toBe(true)
    expect(await httpCheck(await serve('127.0.0.1', 500), '/healthz', 1_000)).toBe(false)
  })
  it('is unhealthy when nothing listens on any loopback address', async () => {
    const s = createServer()
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    const free = (s.address() as AddressInfo).port
    await new Promise<void>((resolve) => s.close(() => resolve()))
    expect(await httpCheck(free, '/', 1_000)).toBe(false)
  })
})
