// fastify's own refusals (bad JSON, a huge body, no Content-Type, a __proto__ key) reach clients as SUP_ERR_* codes of the registry.
import { describe, expect, it, onTestFinished } from 'vitest'
import * as registry from '../../../src/errors.ts'
import { buildServer } from '../../../src/http/server.ts'
import type { Supervisor } from '../../../src/runtime/supervisor.ts'

function server () {
  const calls: string[] = []
  const supervisor = { scaleApp: async (name: string) => { calls.push(name); return { name, workers: [] } } } as unknown as Supervisor
  const app = buildServer({ checkAnswers: true,
    supervisor, version: 'test', home: '/nonexistent', pid: 1, logger: false, logsDir: '/nonexistent', nginxDir: '/nonexistent',
    servingPorts: () => [], eventsAfter: () => [], requestShutdown: () => undefined
  })
  onTestFinished(() => app.close())
  return { app, calls }
}

const codes = new Set(Object.keys(registry))

describe('fastify errors mapped into the registry', () => {
  it.each([
    ['malformed JSON', '{"instances": 2', { 'content-type': 'application/json' }, 400, 'SUP_ERR_BAD_JSON', /not valid JSON/],
    ['a 50 MB body', `{"instances": "${'9'.repeat(50 * 1024 * 1024)}"}`, { 'content-type': 'application/json' }, 413, 'SUP_ERR_BODY_TOO_LARGE', /too large/],
    ['no Content-Type', '{"instances": 2}', {}, 415, 'SUP_ERR_MEDIA_TYPE', /Content-Type/],
    ['a __proto__ key', '{"instances": 2, "__proto__": {"x": 1}}', { 'content-type': 'application/json' }, 400, 'SUP_ERR_BAD_JSON', /__proto__.*refused/]
  ] as const)('%s', async (_name, payload, headers, status, code, message) => {
    const { app, calls } = server()
    const res = await app.inject({ method: 'POST', url: '/apps/web/scale', payload, headers })
    expect(res.statusCode).toBe(status)
    const body = res.json<{ error: { code: string; message: string } }>()
    expect(body.error.code).toBe(code)
    expect(codes.has(body.error.code)).toBe(true)
    expect(body.error.message).toMatch(message)
    expect(calls).toEqual([]) // nothing changed
  })
})
