// e2e: stop escalates to SIGKILL at the kill timeout and leaves no process of the worker's tree behind.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AppView } from '../../packages/protocol/src/index.ts'
import { FIXTURES, freePortRange, isAlive, markedPids, runSup, supJson, useSupHome, waitFor } from '@sup/test-support'

describe('sup stop', () => {
  it('SIGKILLs a worker that ignores SIGTERM once --kill-timeout has passed', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    expect((await runSup(home, ['start', `${FIXTURES}/ignore-sigterm.js`, '--name', 'stubborn', '--port-range', ports.range, '--kill-timeout', '1s'])).code).toBe(0)
    const pid = (await supJson<AppView>(home, ['show', 'stubborn'])).workers[0]?.pid ?? 0
    expect(isAlive(pid)).toBe(true)

    const t0 = performance.now()
    const r = await runSup(home, ['stop', 'stubborn'])
    const took = performance.now() - t0
    expect(r.code, r.stderr).toBe(0)
    expect(took).toBeGreaterThanOrEqual(1_000)
    expect(isAlive(pid)).toBe(false)
    const app = await supJson<AppView>(home, ['show', 'stubborn'])
    expect(app.workers[0]?.state).toBe('stopped')
    expect(app.workers[0]?.lastExit?.signal).toBe('SIGKILL')
  })

  it("sends the stop signal once: a process.once('SIGTERM') shutdown runs to its end", async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    expect((await runSup(home, ['start', `${FIXTURES}/graceful-once.js`, '-n', '2', '--name', 'tidy', '--port-range', ports.range])).code).toBe(0)
    const stop = await runSup(home, ['stop', 'tidy'])
    expect(stop.code, stop.stderr).toBe(0)
    const app = await supJson<AppView>(home, ['show', 'tidy'])
    expect(app.workers.map((w) => [w.state, w.lastExit?.code, w.lastExit?.signal])).toEqual([['stopped', 0, null], ['stopped', 0, null]])
    const logs = await runSup(home, ['logs', 'tidy', '--no-follow'])
    expect(logs.stdout.match(/shutdown done/g)).toHaveLength(2)
  })

  it('leaves no grandchild behind, not even one detached in its own session', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const r = await runSup(home, ['start', `${FIXTURES}/grandchildren.js`, '-n', '2', '--name', 'family', '--port-range', ports.range, '--kill-timeout', '1s', '--env', `PIDS_DIR=${home}`])
    expect(r.code, r.stderr).toBe(0)
    const trees = await waitFor(() => [0, 1].map((i) => JSON.parse(readFileSync(`${home}/grandchildren-${i}.json`, 'utf8')) as Record<string, number>))
    const pids = trees.flatMap((t) => Object.values(t))
    expect(pids).toHaveLength(6)
    for (const p of pids) expect(isAlive(p)).toBe(true)
    expect(markedPids(home).sort()).toEqual([...pids].sort())

    const stop = await runSup(home, ['stop', 'family'])
    expect(stop.code, stop.stderr).toBe(0)
    // The request returned only once every process was gone: check /proc right away, no waiting.
    for (const p of pids) expect(isAlive(p), `pid ${p}`).toBe(false)
    expect(markedPids(home)).toEqual([])
  })
})
