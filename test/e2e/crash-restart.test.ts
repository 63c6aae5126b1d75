// e2e: a SIGKILLed worker is back on the same port with a new pid, and the event records the signal.
import { describe, expect, it } from 'vitest'
import type { AppView, EventList } from '../../packages/protocol/src/index.ts'
import { EXAMPLES, freePortRange, httpGet, killPid, supJson, runSup, useSupHome, waitFor } from '@sup/test-support'

describe('crash recovery', () => {
  it('brings a SIGKILLed worker back on the same port and records the signal', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    expect((await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '-n', '2', '--name', 'web', '--port-range', ports.range])).code).toBe(0)
    const before = await supJson<AppView>(home, ['show', 'web'])
    const victim = before.workers[1]
    if (victim?.pid == null || victim.port == null) throw new Error('worker 1 not running')

    killPid(victim.pid, 'SIGKILL')
    const body = await waitFor(async () => {
      const b = (await httpGet(victim.port ?? 0)).body
      return b.includes(`pid ${victim.pid}`) ? null : b
    }, { what: 'a new pid on the same port' })
    const newPid = Number(/pid (\d+)/.exec(body)?.[1])
    expect(newPid).not.toBe(victim.pid)

    const after = await waitFor(async () => {
      const a = await supJson<AppView>(home, ['show', 'web'])
      return a.workers[1]?.state === 'online' ? a : null
    })
    expect(after.workers[1]).toMatchObject({ port: victim.port, pid: newPid, restarts: 1 })
    expect(after.workers[0]?.pid).toBe(before.workers[0]?.pid)

    const { events } = await supJson<EventList>(home, ['events', 'web'])
    const exit = events.find((e) => e.instance === 1 && e.type === 'backoff')
    expect(exit?.data).toMatchObject({ signal: 'SIGKILL', delayMs: 0 })
    expect(exit?.reason).toMatch(/SIGKILL/)
  })
})
