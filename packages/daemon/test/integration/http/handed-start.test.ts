// The start handoff answers as POST /apps does: the same route validator, the same call, the same answers (status and
// body), read off the HTTP route itself. What the route's validator refuses is declined, never answered in other words.
import { readFileSync } from 'node:fs'
import { AppSpecInput, AppView } from '@sup/protocol'
import { describe, expect, it, onTestFinished } from 'vitest'
import { SUP_ERR_APP_EXISTS } from '../../../src/errors.ts'
import { answerHandedStart, HANDOFF_SCHEMAS_FILE, startRouteChecks, type HandedStartDeps } from '../../../src/http/handed-start.ts'
import { VALIDATORS_DIR } from '../../../src/http/lazy-compilers.ts'
import { buildServer } from '../../../src/http/server.ts'
import type { Supervisor } from '../../../src/runtime/supervisor.ts'
import { toAppView } from '../../../src/runtime/app-view.ts'
import { initialSnapshot } from '../../../src/core/worker-machine.ts'
import { makeSpec } from '../../unit/runtime/harness.ts'

// a real view, with a field no schema declares (only declared fields may leave the daemon, either way)
const VIEW = {
  ...toAppView(makeSpec({ name: 'web', instances: 1 }), 'running', [
    { app: 'web', instance: 0, snapshot: { ...initialSnapshot(), state: 'online', pid: 42 }, port: 8000, marker: 'm', pidStartTime: 1, startedAt: 1 }
  ]),
  undeclared: 'not in the schema'
}
const HEALTH = { ok: true as const, pid: 1, version: 'test', protocol: 1, home: '/h' }
const SPEC = { script: '/srv/web/server.js', name: 'web', instances: '2', portRange: '8000-8001' }

type CreateApp = (input: unknown, wait: boolean) => Promise<unknown>

/** POST /apps over HTTP (fastify, the route's schemas) with this createApp. */
async function overHttp (createApp: CreateApp, spec: unknown): Promise<{ status: number; body: unknown }> {
  const supervisor = { createApp } as unknown as Supervisor
  const app = buildServer({ checkAnswers: true, supervisor, version: 'test', home: '/h', pid: 1, logger: false, logsDir: '/h', nginxDir: '/h', servingPorts: () => [], eventsAfter: () => [], requestShutdown: () => undefined })
  onTestFinished(() => app.close())
  const res = await app.inject({ method: 'POST', url: '/apps', payload: spec as object })
  return { status: res.statusCode, body: res.json() }
}

/** The same request handed over. */
function handed (createApp: CreateApp, spec: unknown, over: Partial<HandedStartDeps> = {}): { answer: ReturnType<typeof answerHandedStart>; taken: () => number } {
  let taken = 0
  const deps: HandedStartDeps = {
    version: 'test', checks: startRouteChecks(), health: () => HEALTH,
    createApp: createApp as HandedStartDeps['createApp'], onTaken: () => { taken++ }, onInternalError: () => undefined, ...over
  }
  return { answer: answerHandedStart(JSON.stringify({ version: 'test', spec, wait: true }), deps), taken: () => taken }
}

describe('the start handoff answers as POST /apps', () => {
  it("finds the build's validator of the route, from schemas that are the protocol's own", () => {
    expect(startRouteChecks()).not.toBeNull()
    const written = JSON.parse(readFileSync(new URL(HANDOFF_SCHEMAS_FILE, VALIDATORS_DIR), 'utf8')) as unknown
    expect(written).toEqual(JSON.parse(JSON.stringify({ body: AppSpecInput, answer: AppView })))
  })

  it.each([
    ['created', async () => VIEW],
    ['the app exists', async () => { throw new SUP_ERR_APP_EXISTS('web') }],
    ['an internal error', async () => { throw new Error('disk on fire') }]
  ] as const)('%s: the same status and body', async (_name, createApp) => {
    const http = await overHttp(createApp, SPEC)
    const h = handed(createApp, SPEC)
    expect(await h.answer).toEqual({ ...http, health: HEALTH })
    expect(h.taken()).toBe(1)
  })

  it('hands createApp what the route hands it (numbers given as strings coerced alike)', async () => {
    const seen: unknown[] = []
    const createApp: CreateApp = async (input, wait) => { seen.push({ input, wait }); return VIEW }
    await overHttp(createApp, SPEC)
    await handed(createApp, SPEC).answer
    expect(seen).toHaveLength(2)
    expect(seen[1]).toEqual(seen[0])
  })

  it.each([
    ['a spec the route refuses', { script: { path: '/a.js' } }, {}],
    ['an unknown field', { ...SPEC, colour: 'blue' }, {}],
    ['a request of another sup version', SPEC, { version: 'other' }],
    ['no validator from the build', SPEC, { checks: null }]
  ] as const)('declines %s, and creates nothing', async (_name, spec, over) => {
    let calls = 0
    const createApp: CreateApp = async () => { calls++; return VIEW }
    const h = handed(createApp, spec, over)
    expect(await h.answer).toEqual({ declined: expect.any(String) as string })
    expect(calls).toBe(0)
    expect(h.taken()).toBe(0)
  })

  it.each([
    ['not JSON', '{"version": "test", '],
    ['a __proto__ key', '{"version": "test", "wait": true, "spec": {"script": "/a.js", "__proto__": {"x": 1}}}'],
    ['no wait', '{"version": "test", "spec": {"script": "/a.js"}}']
  ])('declines a line that is %s', async (_name, line) => {
    const deps: HandedStartDeps = { version: 'test', checks: startRouteChecks(), health: () => HEALTH, createApp: async () => { throw new Error('not called') }, onTaken: () => undefined, onInternalError: () => undefined }
    expect(await answerHandedStart(line, deps)).toEqual({ declined: expect.any(String) as string })
  })
})
