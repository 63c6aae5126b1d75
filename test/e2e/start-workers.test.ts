// e2e: `sup start -n 5` gives five workers on five distinct ports of the range, from five distinct pids.
import { describe, expect, it } from 'vitest'
import type { AppList } from '../../packages/protocol/src/index.ts'
import { EXAMPLES, freePortRange, httpGet, markedPids, runSup, supJson, useSupHome } from '@sup/test-support'

describe('sup start -n 5', () => {
  it('serves HTTP from five distinct pids on five distinct ports of the range', async () => {
    const home = useSupHome()
    const ports = await freePortRange(5)
    const r = await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '-n', '5', '--name', 'hello', '--port-range', ports.range])
    expect(r.code, r.stderr).toBe(0)

    const { apps } = await supJson<AppList>(home, ['list'])
    const workers = apps.find((a) => a.name === 'hello')?.workers ?? []
    expect(workers.map((w) => w.state)).toEqual(['online', 'online', 'online', 'online', 'online'])
    const seenPorts = new Set(workers.map((w) => w.port))
    expect(seenPorts.size).toBe(5)
    for (const p of seenPorts) {
      expect(p).toBeGreaterThanOrEqual(ports.from)
      expect(p).toBeLessThanOrEqual(ports.to)
    }

    const answers = await Promise.all(workers.map(async (w) => (await httpGet(w.port ?? 0)).body))
    const pids = answers.map((b) => Number(/pid (\d+)/.exec(b)?.[1]))
    expect(new Set(pids).size).toBe(5)
    expect(pids.sort()).toEqual(workers.map((w) => w.pid).sort())
    expect(markedPids(home).sort()).toEqual([...pids].sort())
  })

  it('gives each worker PORT, SUP_APP, SUP_INSTANCE, NODE_APP_INSTANCE and --env, and `sup list` shows a table', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const script = `${home}/env.cjs`
    const { writeFileSync } = await import('node:fs')
    writeFileSync(script, `require('http').createServer((q, s) => s.end(JSON.stringify({ port: process.env.PORT, app: process.env.SUP_APP, i: process.env.SUP_INSTANCE, n: process.env.NODE_APP_INSTANCE, greeting: process.env.GREETING }))).listen(+process.env.PORT)\n`)
    const r = await runSup(home, ['start', script, '-n', '2', '--name', 'envy', '--port-range', ports.range, '--env', 'GREETING=hi there'])
    expect(r.code, r.stderr).toBe(0)
    for (const [i, port] of [ports.from, ports.to].entries()) {
      expect(JSON.parse((await httpGet(port)).body)).toEqual({ port: String(port), app: 'envy', i: String(i), n: String(i), greeting: 'hi there' })
    }
    const table = await runSup(home, ['list'])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/envy/)
    expect(table.stdout).toMatch(/online/)
    expect(table.stdout).toContain(String(ports.from))
  })
})
