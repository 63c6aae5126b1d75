// A cold `sup start` hands its app to the daemon it spawned (start-handoff.ts): the answer the CLI makes of each thing
// the daemon can say on the socket pair, and what it sends.
import { isSupClientError } from '@sup/client'
import { mkdtempSync, rmSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SUP_VERSION } from '@sup/protocol/version'
import { describe, expect, it, onTestFinished } from 'vitest'
import { handStart } from '../../src/start-handoff.ts'

const SPEC = { script: '/srv/app.js', instances: 2 }
const HEALTH = { ok: true, pid: 7, version: SUP_VERSION, protocol: 1, home: '/h' }

/** A connected pair: the CLI's end and the daemon's (the daemon side reads the request, then says `lines`). */
async function pair (daemon: (end: Socket, request: string) => void): Promise<Socket> {
  const dir = mkdtempSync(join(tmpdir(), 'sup-handoff-'))
  const server = createServer((end) => {
    let text = ''
    end.setEncoding('utf8')
    end.on('data', (d: string) => { text += d; if (text.endsWith('\n')) daemon(end, text.trimEnd()) })
  })
  onTestFinished(() => { server.close(); rmSync(dir, { recursive: true, force: true }) })
  await new Promise<void>((resolve) => server.listen(join(dir, 's'), resolve))
  const cli = createConnection(join(dir, 's'))
  await new Promise((resolve) => cli.once('connect', resolve))
  return cli
}

const say = (lines: unknown[], close = true) => (end: Socket): void => {
  for (const l of lines) end.write(`${JSON.stringify(l)}\n`)
  if (close) end.end()
}

describe('handStart', () => {
  it('is null when bin/sup.js spawned no daemon for this home', () => {
    expect(handStart('/h', SPEC, true, { take: () => undefined })).toBeNull()
  })

  it("sends POST /apps' body and wait with this sup's version, and gives back the view and the health", async () => {
    let sent: unknown
    const view = { name: 'app', workers: [] }
    const cli = await pair((end, request) => { sent = JSON.parse(request); say([{ taken: true }, { status: 201, body: view, health: HEALTH }])(end) })
    const answer = await handStart('/h', SPEC, false, { take: () => cli })?.answer()
    expect(sent).toEqual({ version: SUP_VERSION, spec: SPEC, wait: false })
    expect(answer).toEqual({ view, health: HEALTH })
  })

  it("makes an error answer the client's own error (code, status, hint)", async () => {
    const body = { error: { code: 'SUP_ERR_APP_EXISTS', message: "App 'app' already exists", hint: 'use sup restart' } }
    const cli = await pair(say([{ taken: true }, { status: 409, body, health: HEALTH }]))
    const answer = await handStart('/h', SPEC, true, { take: () => cli })?.answer()
    const error = answer !== null && answer !== undefined && 'error' in answer ? answer.error : undefined
    expect(isSupClientError(error, 'SUP_ERR_APP_EXISTS')).toBe(true)
    expect(error).toMatchObject({ statusCode: 409, message: "App 'app' already exists", hint: 'use sup restart' })
  })

  it('is null when the daemon declines, or goes away before taking the request: the API is asked instead', async () => {
    const declined = await pair(say([{ declined: 'sent by sup 0.0.1' }]))
    expect(await handStart('/h', SPEC, true, { take: () => declined })?.answer()).toBeNull()
    const gone = await pair((end) => { end.destroy() })
    expect(await handStart('/h', SPEC, true, { take: () => gone })?.answer()).toBeNull()
  })

  it('is SUP_ERR_DAEMON_LOST when the daemon goes away after taking the request (it may be half done)', async () => {
    const cli = await pair(say([{ taken: true }]))
    const answer = await handStart('/h', SPEC, true, { take: () => cli })?.answer()
    const error = answer !== null && answer !== undefined && 'error' in answer ? answer.error : undefined
    expect(isSupClientError(error, 'SUP_ERR_DAEMON_LOST')).toBe(true)
  })

  it('is null when the daemon says nothing (one that knows no handoff): the API is asked instead', async () => {
    const cli = await pair(() => { /* reads the request, never answers, keeps the pair open */ })
    expect(await handStart('/h', SPEC, true, { take: () => cli, silenceMs: 50 })?.answer()).toBeNull()
    expect(cli.destroyed).toBe(true)
  })

  it.each([['not JSON', '{"taken": '], ['JSON that is no answer', 'null'], ['an object it never sends', '{"status": "ok"}']])('is SUP_ERR_CLIENT_BAD_RESPONSE for %s', async (_name, line) => {
    const cli = await pair((end) => { end.end(`${line}\n`) })
    const answer = await handStart('/h', SPEC, true, { take: () => cli })?.answer()
    const error = answer !== null && answer !== undefined && 'error' in answer ? answer.error : undefined
    expect(isSupClientError(error, 'SUP_ERR_CLIENT_BAD_RESPONSE')).toBe(true)
  })

  it('takes answer lines split across reads', async () => {
    const line = `${JSON.stringify({ taken: true })}\n${JSON.stringify({ status: 201, body: { name: 'app' }, health: HEALTH })}\n`
    const cli = await pair((end) => { end.write(line.slice(0, 7)); setTimeout(() => { end.end(line.slice(7)) }, 10) })
    expect(await handStart('/h', SPEC, true, { take: () => cli })?.answer()).toEqual({ view: { name: 'app' }, health: HEALTH })
  })
})
