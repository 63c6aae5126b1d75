// e2e: `sup kill` then any command: a new daemon brings every app back as wanted, nothing doubled.
import { describe, expect, it } from 'vitest'
import type { AppList } from '../../packages/protocol/src/index.ts'
import { EXAMPLES, daemonPid, freePortRange, httpGet, isAlive, isGone, markedPids, runSup, supJson, useSupHome, waitFor } from '@sup/test-support'

/** `sup list --json` once no worker is starting any more (the new daemon answers while the ones it restarts come up). */
async function listSettled (home: string): Promise<AppList> {
  return await waitFor(async () => {
    const list = await supJson<AppList>(home, ['list'])
    return list.apps.every((a) => a.workers.every((w) => w.state !== 'starting')) ? list : null
  }, { what: 'the restored workers to leave starting', timeoutMs: 15_000 })
}

describe('daemon stop and start', () => {
  it('restores running apps as running and stopped apps as stopped, without doubling a worker', async () => {
    const home = useSupHome()
    const ports = await freePortRange(6)
    expect((await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '-n', '3', '--name', 'up', '--port-range', `${ports.from}-${ports.from + 2}`])).code).toBe(0)
    expect((await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '-n', '2', '--name', 'down', '--port-range', `${ports.from + 3}-${ports.to}`])).code).toBe(0)
    expect((await runSup(home, ['stop', 'down'])).code).toBe(0)
    const firstDaemon = daemonPid(home) ?? 0

    const kill = await runSup(home, ['kill'])
    expect(kill.code, kill.stderr).toBe(0)
    expect(isAlive(firstDaemon)).toBe(false)
    expect(markedPids(home)).toEqual([])

    // the new daemon answers as soon as it listens; the workers it starts again come up meanwhile
    const { apps } = await listSettled(home)
    expect(daemonPid(home)).not.toBe(firstDaemon)
    const up = apps.find((a) => a.name === 'up')
    const down = apps.find((a) => a.name === 'down')
    expect(up?.workers.map((w) => w.state)).toEqual(['online', 'online', 'online'])
    expect(up?.workers.map((w) => w.port)).toEqual([ports.from, ports.from + 1, ports.from + 2])
    expect(down?.desired).toBe('stopped')
    expect(down?.workers.map((w) => w.state)).toEqual(['stopped', 'stopped'])
    expect(markedPids(home)).toHaveLength(3)
    for (const w of up?.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toContain(`pid ${w.pid}`)
  })

  it('after a SIGKILL of the daemon, the next daemon does not double any worker', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    expect((await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '-n', '2', '--name', 'solo', '--port-range', ports.range])).code).toBe(0)
    const pid = daemonPid(home) ?? 0
    process.kill(pid, 'SIGKILL')
    // until its last thread is gone, its socket may take a connection and reset it
    await waitFor(() => isGone(pid), { what: `daemon ${pid} to die` })
    const { apps } = await supJson<AppList>(home, ['list'])
    expect(apps[0]?.workers.map((w) => w.state)).toEqual(['online', 'online'])
    expect(markedPids(home)).toHaveLength(2)
  })
})
