// The TCP API: every route needs the bearer token; a wrong token's answer time does not depend on how much of it is right.
import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { tarGz } from '@sup/test-support'
import { post, startHarness } from './deploy-harness.ts'

const TOKEN = 'A'.repeat(43)

async function timedGet (port: number, auth: string): Promise<{ status: number; ms: number }> {
  const t = performance.now()
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/apps/hello/releases', headers: { authorization: auth } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t }))
    }).on('error', reject).end()
  })
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0

describe('TCP API bearer token', () => {
  it('missing or wrong token: 401 on every route, nothing deployed; the right one passes', async () => {
    const h = await startHarness({}, TOKEN)
    const gz = tarGz([{ name: 'server.js', body: 'x' }])
    expect((await post(h.port, '/deploy/alice/hello', gz)).body.error?.code).toBe('SUP_ERR_UNAUTHORIZED')
    expect((await post(h.port, '/deploy/alice/hello', gz, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401)
    expect((await timedGet(h.port, 'Basic abc')).status).toBe(401)
    expect(h.appsTree()).toEqual([])
    expect((await post(h.port, '/deploy/alice/hello', gz, { authorization: `Bearer ${TOKEN}` })).status).toBe(200)
  })

  it('a wrong token takes as long whether it shares nothing or all but its last character with the right one', async () => {
    const h = await startHarness({}, TOKEN)
    const far = `Bearer ${'z'.repeat(43)}`
    const near = `Bearer ${'A'.repeat(42)}z`
    for (let i = 0; i < 20; i++) { await timedGet(h.port, far); await timedGet(h.port, near) } // warm up
    const a: number[] = []
    const b: number[] = []
    for (let i = 0; i < 150; i++) { a.push((await timedGet(h.port, far)).ms); b.push((await timedGet(h.port, near)).ms) }
    const [ma, mb] = [median(a), median(b)]
    // generous: network and scheduling noise dwarf a string compare; a leak would show as a consistent gap
    expect(Math.abs(ma - mb)).toBeLessThan(Math.max(0.5, 0.5 * Math.min(ma, mb)))
  })
})
