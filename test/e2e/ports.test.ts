// e2e: ports held by something else are skipped, never stolen; an exhausted range fails clearly and leaves nothing.
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AppList, AppView } from '../../packages/protocol/src/index.ts'
import { EXAMPLES, freePortRange, httpGet, listenForeign, markedPids, runSup, supJson, useSupHome } from '@sup/test-support'

describe('port allocation', () => {
  it('skips a port of the range held by a foreign listener', async () => {
    const home = useSupHome()
    const ports = await freePortRange(3)
    const foreign = await listenForeign(ports.from, '127.0.0.1')
    onTestFinished(() => { foreign.close() })
    expect((await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '-n', '2', '--name', 'skip', '--port-range', ports.range])).code).toBe(0)
    const app = await supJson<AppView>(home, ['show', 'skip'])
    expect(app.workers.map((w) => w.port)).toEqual([ports.from + 1, ports.from + 2])
    expect((await httpGet(ports.from + 1)).body).toMatch(/hello from pid/)
  })

  it('fails an exhausted range with a clear message and a non-zero exit, leaving no app and no process', async () => {
    const home = useSupHome()
    const ports = await freePortRange(3)
    const foreign = await listenForeign(ports.from + 2)
    onTestFinished(() => { foreign.close() })
    expect((await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '--name', 'first', '--port-range', `${ports.from}-${ports.from}`])).code).toBe(0)

    const r = await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '-n', '3', '--name', 'second', '--port-range', ports.range])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/exhausted/i)
    expect(r.stderr).toContain(`${ports.from} held by first:0`)
    expect(r.stderr).toContain(`${ports.from + 2} in use by a process outside sup`)
    const { apps } = await supJson<AppList>(home, ['list'])
    expect(apps.map((a) => a.name)).toEqual(['first'])
    expect(markedPids(home)).toHaveLength(1)
    expect((await runSup(home, ['show', 'second'])).code).not.toBe(0)
  })
})

describe('sup scale --port-range', () => {
  it('a range too small to scale says how to widen it; widened, the new workers serve and the running ones keep their pids', async () => {
    const home = useSupHome()
    const ports = await freePortRange(4)
    expect((await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '-n', '2', '--name', 'web', '--port-range', `${ports.from}-${ports.from + 1}`])).code).toBe(0)
    const before = await supJson<AppView>(home, ['show', 'web'])
    const r = await runSup(home, ['scale', 'web', '4'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('hint: widen the app\'s range with `sup scale <app> <N> --port-range <from-to>`')
    const narrow = await runSup(home, ['scale', 'web', '4', '--port-range', `${ports.from + 1}-${ports.to}`])
    expect(narrow.code).toBe(1)
    expect(narrow.stderr).toBe(`sup: Invalid portRange: ${ports.from + 1}-${ports.to} leaves out ${ports.from} (worker 0): a new range keeps every worker's port (\`sup delete\` and \`sup start\` move an app to other ports)\nhint: see \`sup scale --help\`\n`)
    const wide = await runSup(home, ['scale', 'web', '4', '--port-range', ports.range])
    expect(wide.code, wide.stderr).toBe(0)
    const after = await supJson<AppView>(home, ['show', 'web'])
    expect(after.workers.map((w) => [w.port, w.state])).toEqual([ports.from, ports.from + 1, ports.from + 2, ports.to].map((p) => [p, 'online']))
    expect(after.workers.slice(0, 2).map((w) => w.pid)).toEqual(before.workers.map((w) => w.pid))
    for (const w of after.workers) expect((await httpGet(w.port ?? 0)).body).toContain(`pid ${w.pid ?? 0}`)
    // kept across a daemon restart (stored)
    expect((await runSup(home, ['daemon', '--restart'])).code).toBe(0)
    expect((await supJson<AppView>(home, ['show', 'web'])).spec.portRange).toEqual({ from: ports.from, to: ports.to })
  })
})
