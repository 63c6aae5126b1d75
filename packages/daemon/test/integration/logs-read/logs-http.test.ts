// GET /logs/:target and GET /events?follow=true through buildServer: NDJSON, merge order, errors, streaming, cleanup.
import { appendFileSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AppView, EventView, LogRecord } from '@sup/protocol'
import { createMemoryStore, tmpDir, waitFor } from '@sup/test-support'
import { buildServer } from '../../../src/http/server.ts'
import type { Supervisor } from '../../../src/runtime/supervisor.ts'
import { toEventView } from '../../../src/runtime/app-view.ts'
import { appendNumbered, openFds, record, T0 } from './support.ts'

const app = (name: string, instances: number): AppView => ({
  name, desired: 'running', spec: {} as AppView['spec'],
  workers: Array.from({ length: instances }, (_, i) => ({ app: name, instance: i, state: 'online' as const, pid: 1, port: 1, restarts: 0, startedAt: 0, lastExit: null }))
})

/** buildServer over a stand-in supervisor (apps, events and their listeners) and a memory store. */
function setup (apps: AppView[] = [app('api', 2), app('web', 1)]) {
  const logsDir = tmpDir()
  const store = createMemoryStore()
  const listeners = new Set<(e: EventView) => void>()
  const supervisor = {
    listApps: () => apps,
    events: (q: { app?: string | undefined; limit: number }) => store.listEvents(q).map(toEventView),
    onEvent: (fn: (e: EventView) => void) => { listeners.add(fn); return () => listeners.delete(fn) }
  } as unknown as Supervisor
  const server = buildServer({ checkAnswers: true,
    supervisor, version: 't', home: '/h', pid: 1, logger: false, logsDir, requestShutdown: () => undefined,
    nginxDir: `${logsDir}/nginx`, servingPorts: () => [],
    eventsAfter: (q) => store.listEventsAfter(q).map(toEventView)
  })
  onTestFinished(() => server.close())
  /** An event the daemon adds (store + listeners), or another process adds (store only). */
  const addEvent = (appName: string, type: string, inMemory: boolean): EventView => {
    const e = toEventView(store.addEvent({ time: Date.now(), app: appName, instance: null, type, from: null, to: null, reason: type, data: null }))
    if (inMemory) for (const l of listeners) l(e)
    return e
  }
  return { server, logsDir, addEvent, listeners, log: (a: string, i: number) => join(logsDir, `${a}-${i}.log`) }
}

const ndjson = <T = LogRecord>(body: string): T[] => body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T)

/** A streaming GET on the server's unix socket: `lines` fills as the NDJSON arrives. */
async function stream (server: FastifyInstance, path: string) {
  const socketPath = join(tmpDir(), 's.sock')
  await server.listen({ path: socketPath })
  const lines: unknown[] = []
  let text = ''
  const req = request({ socketPath, path })
  const res = await new Promise<IncomingMessage>((resolve, reject) => { req.on('response', resolve).on('error', reject).end() })
  res.setEncoding('utf8')
  res.on('data', (c: string) => {
    text += c
    const parts = text.split('\n')
    text = parts.pop() ?? ''
    for (const p of parts) lines.push(JSON.parse(p))
  })
  res.on('error', () => undefined)
  const ended = new Promise<void>((resolve) => res.on('close', resolve))
  onTestFinished(() => { req.destroy() })
  return { res, lines, ended, close: () => req.destroy() }
}

describe('GET /logs/:target', () => {
  it('answers the last N lines of each worker merged in time order, as NDJSON', async () => {
    const s = setup()
    appendNumbered(s.log('api', 0), 0, 10, { prefix: 'a0-', time: T0 })
    appendNumbered(s.log('api', 1), 0, 10, { prefix: 'a1-', time: T0 + 1000 })
    appendNumbered(s.log('web', 0), 0, 10, { prefix: 'w0-', time: T0 + 500 })
    const res = await s.server.inject({ url: '/logs/all?lines=2' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/)
    expect(ndjson(res.body).map((r) => `${r.app}:${r.instance} ${r.line}`)).toEqual(['api:0 a0-8', 'api:0 a0-9', 'web:0 w0-8', 'web:0 w0-9', 'api:1 a1-8', 'api:1 a1-9'])
    expect(ndjson(res.body)[0]).toEqual({ time: T0 + 8, app: 'api', instance: 0, stream: 'out', line: 'a0-8' })
  })

  it('defaults to 20 lines; app and app:i targets; stream and since filters', async () => {
    const s = setup()
    appendNumbered(s.log('api', 0), 0, 30)
    appendFileSync(s.log('api', 1), Buffer.concat([record(T0, 'out', 'o'), record(T0 + 5, 'err', 'e'), record(T0 + 9, 'out', 'late')]))
    expect(ndjson((await s.server.inject({ url: '/logs/api' })).body).filter((r) => r.instance === 0)).toHaveLength(20)
    expect(ndjson((await s.server.inject({ url: '/logs/api:1' })).body).map((r) => r.line)).toEqual(['o', 'e', 'late'])
    expect(ndjson((await s.server.inject({ url: '/logs/api%3A1' })).body).map((r) => r.line)).toEqual(['o', 'e', 'late'])
    expect(ndjson((await s.server.inject({ url: '/logs/api:1?stream=err' })).body).map((r) => r.line)).toEqual(['e'])
    expect(ndjson((await s.server.inject({ url: `/logs/api:1?since=${T0 + 5}` })).body).map((r) => r.line)).toEqual(['e', 'late'])
    expect((await s.server.inject({ url: '/logs/web?lines=0' })).body).toBe('')
  })

  it('keeps an app JSON line as that JSON (quoted once) and replaces invalid UTF-8', async () => {
    const s = setup()
    appendFileSync(s.log('web', 0), Buffer.concat([record(T0, 'out', '{"level":30,"msg":"hi \\"x\\""}'), record(T0 + 1, 'err', Buffer.from([0x61, 0xff, 0x1b, 0x62]))]))
    const body = (await s.server.inject({ url: '/logs/web' })).body
    expect(body.split('\n')[0]).toContain('"line":"{\\"level\\":30,\\"msg\\":\\"hi \\\\\\"x\\\\\\"\\"}"')
    const [json, bad] = ndjson(body)
    expect(JSON.parse(json?.line ?? '')).toEqual({ level: 30, msg: 'hi "x"' })
    expect(bad?.line).toBe('a\ufffd\u001bb')
  })

  it.each([
    ['/logs/ghost', 404, 'SUP_ERR_APP_NOT_FOUND'],
    ['/logs/api:7', 404, 'SUP_ERR_INSTANCE_NOT_FOUND'],
    ['/logs/Bad!', 400, 'SUP_ERR_INVALID_INPUT'],
    ['/logs/api:x', 400, 'SUP_ERR_INVALID_INPUT'],
    ['/logs/all:0', 400, 'SUP_ERR_INVALID_INPUT'],
    ['/logs/api?lines=-1', 400, 'SUP_ERR_INVALID_INPUT'],
    ['/logs/api?stream=sup', 400, 'SUP_ERR_INVALID_INPUT'],
    ['/logs/api?bogus=1', 400, 'SUP_ERR_INVALID_INPUT']
  ])('%s -> %i %s, before any line', async (url, status, code) => {
    const res = await setup().server.inject({ url })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toMatchObject({ error: { code } })
  })

  it('streams new lines over the socket while following, and stops reading when the client goes', async () => {
    const s = setup()
    appendNumbered(s.log('api', 0), 0, 3)
    const fds = openFds()
    const c = await stream(s.server, '/logs/api?lines=1&follow=true')
    expect(c.res.headers['content-type']).toMatch(/^application\/x-ndjson/)
    await waitFor(() => c.lines.length === 1)
    appendNumbered(s.log('api', 1), 100, 1)
    appendNumbered(s.log('api', 0), 3, 2)
    await waitFor(() => c.lines.length === 4)
    expect((c.lines as LogRecord[]).map((r) => `${r.instance}:${r.line}`).sort()).toEqual(['0:line 2', '0:line 3', '0:line 4', '1:line 100'])
    c.close()
    await waitFor(() => openFds() <= fds + 1, { what: 'the followers to close their files' }) // + the listening socket
  })

  it('follows workers that appear after the stream started (scale up)', async () => {
    const apps = [app('api', 1)]
    const s = setup(apps)
    const c = await stream(s.server, '/logs/api?follow=true')
    apps[0] = app('api', 2)
    appendNumbered(s.log('api', 1), 0, 1, { time: Date.now() })
    await waitFor(() => c.lines.length === 1, { timeoutMs: 5_000 })
    expect(c.lines[0]).toMatchObject({ app: 'api', instance: 1, line: 'line 0' })
  })

  it('lets the server close while a follower is open', async () => {
    const s = setup()
    const c = await stream(s.server, '/logs/all?follow=true')
    const started = performance.now()
    await s.server.close()
    await c.ended
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})

describe('GET /events?follow=true', () => {
  it('streams the last `limit` events, then new ones from the daemon and from other processes, each once', async () => {
    const s = setup()
    for (let i = 0; i < 5; i++) s.addEvent('api', `old-${i}`, true)
    s.addEvent('web', 'other-app', true)
    const c = await stream(s.server, '/events?follow=true&app=api&limit=2')
    await waitFor(() => c.lines.length === 2)
    s.addEvent('api', 'from-daemon', true)
    s.addEvent('api', 'from-logd', false)
    s.addEvent('web', 'not-mine', false)
    s.addEvent('api', 'from-daemon-2', true)
    await waitFor(() => c.lines.length === 5)
    await new Promise((resolve) => setTimeout(resolve, 600)) // two more polls: nothing is sent twice
    expect((c.lines as EventView[]).map((e) => e.type)).toEqual(['old-3', 'old-4', 'from-daemon', 'from-daemon-2', 'from-logd'])
    c.close()
    await waitFor(() => s.listeners.size === 0, { what: 'the listener to go' })
  })

  it('still answers a plain list without follow', async () => {
    const s = setup()
    s.addEvent('api', 'one', true)
    const res = await s.server.inject({ url: '/events?limit=5' })
    expect(res.json()).toMatchObject({ events: [{ type: 'one' }] })
  })
})
