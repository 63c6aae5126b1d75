// The port probe against real sockets: foreign listeners on every kind of address, waiting for a late listener, abort.
import { createServer, type Server } from 'node:net'
import { describe, it, expect, onTestFinished } from 'vitest'
import { createPortProbe } from '../../src/adapters/port-probe.ts'

/** Listens like a foreign program would; closed when the test ends. */
async function listen (options: { port: number; host?: string; ipv6Only?: boolean }): Promise<Server> {
  const server = createServer((socket) => socket.destroy())
  onTestFinished(() => new Promise<void>((resolve) => { server.close(() => { resolve() }) }))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options, () => { resolve() })
  })
  return server
}

function portOf (server: Server): number {
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('not a TCP server')
  return address.port
}

/** A port that was free a moment ago (the kernel's pick). */
async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, () => { resolve() }))
  const port = portOf(server)
  await new Promise((resolve) => server.close(resolve))
  return port
}

function hasIpv6Loopback (): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen({ port: 0, host: '::1' }, () => { server.close(() => { resolve(true) }) })
  })
}

const IPV6 = await hasIpv6Loopback()

describe('port probe: isFree', () => {
  it('says a port nobody holds is free, and leaves it free', async () => {
    const probe = createPortProbe()
    const port = await freePort()
    expect(await probe.isFree(port)).toBe(true)
    expect(await probe.isFree(port)).toBe(true)
    await listen({ port }) // nothing of the probe was left bound on it
  })

  it.each([
    ['127.0.0.1 only', { host: '127.0.0.1' }],
    ['0.0.0.0', { host: '0.0.0.0' }],
    ['127.0.0.2 only', { host: '127.0.0.2' }]
  ])('says a port with a foreign listener on %s is taken', async (_label, options) => {
    const server = await listen({ port: 0, ...options })
    expect(await createPortProbe().isFree(portOf(server))).toBe(false)
  })

  it.runIf(IPV6).each([
    [':: (dual stack)', { host: '::' }],
    [':: (IPv6 only)', { host: '::', ipv6Only: true }],
    ['::1 only', { host: '::1' }]
  ])('says a port with a foreign listener on %s is taken', async (_label, options) => {
    const server = await listen({ port: 0, ...options })
    expect(await createPortProbe().isFree(portOf(server))).toBe(false)
  })
})

describe('port probe: waitAccepting', () => {
  it('resolves at once when the port already accepts', async () => {
    const server = await listen({ port: 0, host: '127.0.0.1' })
    await createPortProbe().waitAccepting(portOf(server), new AbortController().signal)
  })

  it('resolves when a listener appears later', async () => {
    const port = await freePort()
    const waiting = createPortProbe().waitAccepting(port, AbortSignal.timeout(10_000))
    let isDone = false
    void waiting.then(() => { isDone = true })
    // Let it fail a few attempts first (the scenario, not a wait for a condition)
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(isDone).toBe(false)
    await listen({ port, host: '127.0.0.1' })
    await waiting
  })

  it.runIf(IPV6)('finds an app bound to ::1 only', async () => {
    const server = await listen({ port: 0, host: '::1' })
    await createPortProbe().waitAccepting(portOf(server), AbortSignal.timeout(10_000))
  })

  it.runIf(IPV6)('tries ::1 only after 127.0.0.1 has been refused for a while', async () => {
    // Something answers on ::1 all along (another program, v6 only); the app itself appears on 127.0.0.1 after
    // 100 ms, before the probe's (here 10 s) IPv6 delay. Trying ::1 from the first round would have taken that
    // other program for the app, and costs every starting app a second connection per round.
    const other = await listen({ port: 0, host: '::1', ipv6Only: true })
    const port = portOf(other)
    let otherConnections = 0
    other.on('connection', () => { otherConnections++ })
    const waiting = createPortProbe({ ipv6AfterMs: 10_000 }).waitAccepting(port, AbortSignal.timeout(20_000))
    await new Promise((resolve) => setTimeout(resolve, 100))
    const app = await listen({ port, host: '127.0.0.1' })
    let appConnections = 0
    app.on('connection', () => { appConnections++ })
    await waiting
    expect(appConnections).toBe(1)
    expect(otherConnections).toBe(0)
  })

  it('rejects with an AbortError when aborted, and tries no connection afterwards', async () => {
    const port = await freePort()
    const controller = new AbortController()
    const waiting = createPortProbe().waitAccepting(port, controller.signal)
    await new Promise((resolve) => setTimeout(resolve, 100))
    controller.abort()
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' })
    const server = await listen({ port, host: '127.0.0.1' })
    let connections = 0
    server.on('connection', () => { connections++ })
    // A negative check needs a fixed window: longer than the longest backoff (100 ms), so a leftover retry would show
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(connections).toBe(0)
  })

  it('rejects with the signal reason, and at once when already aborted', async () => {
    const port = await freePort()
    const reason = new Error('listen timeout')
    const controller = new AbortController()
    const waiting = createPortProbe().waitAccepting(port, controller.signal)
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    await expect(createPortProbe().waitAccepting(port, AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' })
  })
})
