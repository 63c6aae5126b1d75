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
