// Roll-out vs commit: once the workers moved, a failing later step is a 207 partial success and the release stays;
// a failed roll-out that could not put every instance back keeps its release too.
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { tarGz } from '@sup/test-support'
import { normalizeAppSpec } from '../../../src/core/app-spec.ts'
import { SUP_ERR_PORT_EXHAUSTED, SUP_ERR_RELOAD_FAILED } from '../../../src/errors.ts'
import { post, startHarness } from './deploy-harness.ts'

const existing = normalizeAppSpec({ name: 'hello', script: '/srv/old/server.js', cwd: '/srv/old', instances: 1, portRange: '8000-8001' }, { portPool: { from: 8000, to: 8999 } })
const app = tarGz([{ name: 'server.js', body: 'x' }])

describe('deploy commit', () => {
  it('scale failing after the roll-out: 207 with a warning, the release current and kept (failed before: removed, 409)', async () => {
    const h = await startHarness({}, undefined, {
      specOf: () => existing,
      scaleApp: async () => { throw new SUP_ERR_PORT_EXHAUSTED('8000-8001 has no room for 2 more worker(s)') }
    })
    const r = await post(h.port, '/deploy/alice/hello?instances=3', app)
    expect(r.status, JSON.stringify(r.body)).toBe(207)
    expect(r.body.warnings).toEqual([expect.objectContaining({ step: 'scale', code: 'SUP_ERR_PORT_EXHAUSTED' })])
    expect(r.body.release).toMatchObject({ current: true })
    expect(h.releaseRows('hello')).toBe(1)
    expect(existsSync(`${h.home}/apps/alice/hello/releases/${r.body.release?.id ?? 'none'}/server.js`)).toBe(true)
  })

  it('a roll-out that could not put instance 1 back: 422 saying so, the release kept', async () => {
    const h = await startHarness({}, undefined, {
      specOf: () => existing,
      deployApp: async () => {
        const err = new SUP_ERR_RELOAD_FAILED('hello', 'worker 1 did not become ready (backoff)') as Error & { rollout?: unknown }
        err.rollout = { moved: [0, 1], stuck: [1] }
        throw err
      }
    })
    const r = await post(h.port, '/deploy/alice/hello', app)
    expect(r.status).toBe(422)
    expect(r.body.error?.message).toMatch(/instance\(s\) 1 could not be put back and still run release \S+, which is kept/)
    expect(h.releaseRows('hello')).toBe(1)
  })

  it('a roll-out fully rolled back: 422, the release removed', async () => {
    const h = await startHarness({}, undefined, {
      specOf: () => existing,
      deployApp: async () => { throw new SUP_ERR_RELOAD_FAILED('hello', 'worker 0 did not become ready (backoff)') }
    })
    expect((await post(h.port, '/deploy/alice/hello', app)).status).toBe(422)
    expect(h.releaseRows('hello')).toBe(0)
    expect(h.appsTree().filter((p) => p.includes('releases/'))).toEqual([])
  })
})
