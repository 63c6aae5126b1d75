// e2e: a refused deploy never takes away the release its workers run on; ports held equal the ports of live workers.
import { existsSync, readlinkSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { freePortRange, httpGet, isAlive, killPid, runSup, useSupHome, waitFor } from '@sup/test-support'
import { call, makeDir, packageJson, serverJs, tarDir, type Target } from './deploy-support.ts'

interface AppsAnswer { apps: Array<{ name: string; workers: Array<{ instance: number; pid: number | null; port: number | null; state: string }> }> }
interface PortsAnswer { ports: Array<{ port: number; holder: string }> }

async function getJson<T> (t: Target, path: string): Promise<T> {
  return (await call(t, 'GET', path)).body as unknown as T
}

/** The ports the daemon holds equal the ports of its live workers (contract rule 3). */
export async function expectPortsOfLiveWorkers (t: Target): Promise<void> {
  const apps = await getJson<AppsAnswer>(t, '/apps')
  const live = apps.apps.flatMap((a) => a.workers).filter((w) => w.pid !== null && isAlive(w.pid) && w.port !== null).map((w) => w.port).sort((a, b) => (a ?? 0) - (b ?? 0))
  const held = (await getJson<PortsAnswer>(t, '/daemon/ports')).ports.map((p) => p.port)
  expect(held).toEqual(live)
}

/** Every online worker's working directory exists (not "(deleted)"). */
function cwdOf (pid: number): string {
  return readlinkSync(`/proc/${pid}/cwd`)
}

describe('a refused deploy', () => {
  it('?instances over the range: 409 before anything starts; the workers keep their release and come back after a SIGKILL', async () => {
    const home = useSupHome()
    expect((await runSup(home, ['list'])).code).toBe(0)
    const t: Target = { socketPath: `${home}/sup.sock` }
    const range = await freePortRange(3)
    const v1 = tarDir(makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v1') }))
    const first = await call(t, 'POST', `/deploy/alice/hello?instances=2&portRange=${range.range}`, v1)
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    const before = first.body.workers ?? []
    expect(before.map((w) => w.state)).toEqual(['online', 'online'])

    const v2 = tarDir(makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v2') }))
    const refused = await call(t, 'POST', '/deploy/alice/hello?instances=5', v2)
    expect(refused.status, JSON.stringify(refused.body)).toBe(409)
    expect(refused.body.error?.code).toBe('SUP_ERR_PORT_EXHAUSTED')

    // nothing moved: same pids, on the first release, which still exists
    const apps = await getJson<AppsAnswer>(t, '/apps')
    const now = apps.apps[0]?.workers ?? []
    expect(now.map((w) => w.pid)).toEqual(before.map((w) => w.pid))
    for (const w of now) {
      const cwd = cwdOf(w.pid ?? 0)
      expect(cwd).not.toMatch(/\(deleted\)/)
      expect(existsSync(cwd)).toBe(true)
      expect(cwd).toContain(first.body.release?.id ?? 'none')
      expect((await httpGet(w.port ?? 0)).body).toMatch(/^v1 /)
    }
    expect((await call(t, 'GET', '/apps/hello/releases')).body.releases?.map((r) => r.id)).toEqual([first.body.release?.id])
    await expectPortsOfLiveWorkers(t)

    // a SIGKILLed worker comes back
    const victim = now[0]?.pid ?? 0
    killPid(victim, 'SIGKILL')
    await waitFor(async () => {
      const w = (await getJson<AppsAnswer>(t, '/apps')).apps[0]?.workers[0]
      return w !== undefined && w.state === 'online' && w.pid !== victim
    }, { what: 'the killed worker to come back', timeoutMs: 15_000 })
    await expectPortsOfLiveWorkers(t)
  })

  it('a roll-out with no spare port failing at instance 1: instance 0, restarted in place, is rolled back too', async () => {
    const home = useSupHome()
    expect((await runSup(home, ['list'])).code).toBe(0)
    const t: Target = { socketPath: `${home}/sup.sock` }
    const range = await freePortRange(2)
    const v1 = tarDir(makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v1') }))
    const first = await call(t, 'POST', `/deploy/alice/hello?instances=2&portRange=${range.range}`, v1)
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    const broken = `if (process.env.SUP_INSTANCE === '1') throw new Error('v2 breaks on instance 1')\n${serverJs('v2')}`
    const v2 = tarDir(makeDir({ 'package.json': packageJson(), 'server.js': broken }))
    const refused = await call(t, 'POST', '/deploy/alice/hello', v2)
    expect(refused.status, JSON.stringify(refused.body)).toBe(422)
    expect(refused.body.error?.code).toBe('SUP_ERR_DEPLOY_FAILED')
    await waitFor(async () => (await getJson<AppsAnswer>(t, '/apps')).apps[0]?.workers.every((w) => w.state === 'online') === true, { what: 'both workers online' })
    for (const w of (await getJson<AppsAnswer>(t, '/apps')).apps[0]?.workers ?? []) {
      const cwd = cwdOf(w.pid ?? 0)
      expect(cwd, `instance ${w.instance}`).toContain(first.body.release?.id ?? 'none')
      expect(existsSync(cwd)).toBe(true)
      expect((await httpGet(w.port ?? 0)).body, `instance ${w.instance}`).toMatch(/^v1 /)
    }
    // nothing uses the refused release: it is gone
    expect((await call(t, 'GET', '/apps/hello/releases')).body.releases?.map((r) => r.id)).toEqual([first.body.release?.id])
    await expectPortsOfLiveWorkers(t)
  })
})
