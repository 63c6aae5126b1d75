// e2e: the daemon SIGKILLed in the middle of a deploy (during `npm install`, during the roll-out). The next daemon
// leaves `current` on one whole release, no staging leftovers, no npm still running, and the app serving.
import { existsSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AppList } from '../../packages/protocol/src/index.ts'
import { freePortRange, httpGet, isAlive, runSup, supJson, waitFor } from '@sup/test-support'
import { killDaemon, useHome } from './crash-safety-support.ts'
import { call, localDep, makeDir, packageJson, serverJs, tarDir, tree, waitingInstallJs, type DeployAnswer } from './deploy-support.ts'

/** Starts a daemon, deploys `v1` (2 workers); returns what the checks after the crash need. */
async function deployV1 () {
  const home = useHome()
  const state = makeDir({}, '/tmp/sup-state-')
  const range = await freePortRange(6)
  const r = await runSup(home, ['list'])
  expect(r.code, r.stderr).toBe(0)
  const v1 = makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v1') })
  const target = { socketPath: `${home}/sup.sock` }
  const path = `/deploy/alice/web?instances=2&portRange=${range.range}`
  const first = await call(target, 'POST', path, tarDir(v1))
  expect(first.status, JSON.stringify(first.body)).toBe(200)
  return { home, state, v1, target, path, firstId: first.body.release?.id ?? '' }
}

/** Deploys `body` in the background: the answer, or the socket error a killed daemon leaves. */
function deployInBackground (target: { socketPath: string }, path: string, body: Buffer): Promise<DeployAnswer | Error> {
  return call(target, 'POST', path, body).catch((err: unknown) => err as Error)
}

/** After the crash: a new daemon, `current` on v1 exactly, no staging dir, every worker answering v1. */
async function expectWholeV1 (home: string, v1: string, firstId: string): Promise<AppList> {
  const list = await supJson<AppList>(home, ['list']) // starts the next daemon
  const appDir = `${home}/apps/alice/web`
  expect(readlinkSync(`${appDir}/current`)).toBe(`releases/${firstId}`)
  expect(tree(`${appDir}/current`)).toEqual(tree(v1))
  expect(readdirSync(appDir).filter((n) => n.startsWith('.'))).toEqual([])
  const app = list.apps.find((a) => a.name === 'web')
  expect(app?.workers.map((w) => w.state)).toEqual(['online', 'online'])
  for (const w of app?.workers ?? []) {
    const res = await httpGet(w.port ?? 0)
    expect(res.status).toBe(200)
    expect(res.body).toMatch(/^v1 \d+/)
  }
  return list
}

describe('deploys survive a daemon SIGKILL', () => {
  it('during npm install: current stays whole on the old release, staging and npm are gone, the app serves', async () => {
    const { home, state, v1, target, path, firstId } = await deployV1()
    const v2 = makeDir({
      // its dependency's install script runs: the app opts in (scripts are off by default)
      'package.json': packageJson({ dependencies: { waiter: 'file:./vendor/waiter' }, sup: { drain: '200ms', listenTimeout: '30s', installScripts: true } }),
      'server.js': serverJs('v2'),
      ...localDep('waiter', 'w', waitingInstallJs(state))
    })
    const pending = deployInBackground(target, path, tarDir(v2))
    await waitFor(() => existsSync(`${state}/npm-pids`), { timeoutMs: 30_000, what: 'npm to run the install script' })
    await killDaemon(home)
    expect(await pending).toBeInstanceOf(Error)

    await expectWholeV1(home, v1, firstId)
    // the orphaned npm (and its install script, waiting forever) was ended by the next daemon
    const pids = readFileSync(`${state}/npm-pids`, 'utf8').trim().split(' ').map(Number)
    await waitFor(() => pids.every((p) => !isAlive(p)), { timeoutMs: 5_000, what: `npm processes ${pids.join(', ')} to be gone` })
    expect(existsSync(`${home}/apps/alice/web/.staging`)).toBe(false)
    // and the app deploys again
    const v3 = makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v3') })
    const third = await call(target, 'POST', path, tarDir(v3))
    expect(third.status, JSON.stringify(third.body)).toBe(200)
    expect((await httpGet(third.body.workers?.[0]?.port ?? 0)).body).toMatch(/^v3 /)
  })

  it('during the roll-out: current stays whole on the old release, the app serves the old release', async () => {
    const { home, state, v1, target, path, firstId } = await deployV1()
    const v2 = makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v2', { stateDir: state, waitFor: `${state}/go` }) })
    const started = (): number[] => readdirSync(state).filter((n) => n.startsWith('started-')).map((n) => Number(n.slice('started-'.length)))
    const pending = deployInBackground(target, path, tarDir(v2))
    await waitFor(() => started().length > 0, { timeoutMs: 30_000, what: 'a v2 worker to start' })
    await killDaemon(home)
    expect(await pending).toBeInstanceOf(Error)

    await expectWholeV1(home, v1, firstId)
    // the half-started v2 worker is not left running
    const v2pids = started()
    await waitFor(() => v2pids.every((p) => !isAlive(p)), { timeoutMs: 10_000, what: `v2 worker(s) ${v2pids.join(', ')} to be gone` })
    const releases = await call(target, 'GET', '/apps/web/releases')
    expect(releases.body.releases?.find((r) => r.current)?.id).toBe(firstId)
  })

  it('during the roll-out, one worker already moved: the next daemon moves it back, every worker on the release current names', async () => {
    const { home, state, v1, target, path, firstId } = await deployV1()
    const v2 = makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v2', { stateDir: state, waitFor: `${state}/go` }) })
    const started = (): string[] => readdirSync(state).filter((n) => n.startsWith('started-'))
    const pending = deployInBackground(target, path, tarDir(v2))
    // instance 0's replacement becomes ready and takes over; instance 1's starts and waits: then the daemon dies
    writeFileSync(`${state}/go-0`, '')
    await waitFor(() => started().some((n) => readFileSync(`${state}/${n}`, 'utf8') === '1'), { timeoutMs: 30_000, what: 'the v2 worker of instance 1 to start' })
    await killDaemon(home)
    expect(await pending).toBeInstanceOf(Error)

    // the next daemon rolls the moved worker back onto the release of the app's saved spec (v1), zero-downtime
    const appDir = `${home}/apps/alice/web`
    const answers = async (): Promise<string[]> => {
      const app = (await supJson<AppList>(home, ['list'])).apps.find((a) => a.name === 'web')
      return Promise.all((app?.workers ?? []).map(async (w) => {
        const res = await httpGet(w.port ?? 0)
        expect(res.status).toBe(200)
        return res.body.split(' ')[0] ?? ''
      }))
    }
    const seen: string[][] = []
    await waitFor(async () => { const a = await answers(); seen.push(a); return a.length === 2 && a.every((w) => w === 'v1') }, { timeoutMs: 20_000, what: 'every worker back on v1' }).catch((err: unknown) => { throw new Error(`${String(err)}; daemon.log: ${readFileSync(`${home}/daemon.log`, 'utf8').split('\n').filter((l) => /converge|interrupted|warn|error/i.test(l)).slice(-8).join('\n')}`) })
    console.info(`workers' releases after the crash, polled until one: ${seen.map((a) => a.join('+')).join(' ')}`)
    expect(readlinkSync(`${appDir}/current`)).toBe(`releases/${firstId}`)
    expect(tree(`${appDir}/current`)).toEqual(tree(v1))
    expect(readdirSync(appDir).filter((n) => n.startsWith('.'))).toEqual([])
    const events = await call(target, 'GET', '/events?limit=200')
    expect(JSON.stringify(events.body)).toMatch(/deploy-converge/)
  })
})

describe('a daemon SIGKILLed between the end of a roll-out and the switch of current', () => {
  it('the next daemon points current at the release every worker runs', async () => {
    const { home, target, path, firstId } = await deployV1()
    const v2 = makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v2') })
    const second = await call(target, 'POST', path, tarDir(v2))
    expect(second.status, JSON.stringify(second.body)).toBe(200)
    // the state such a crash leaves: workers and saved definition on v2, `current` still on v1
    const appDir = `${home}/apps/alice/web`
    symlinkSync(`releases/${firstId}`, `${appDir}/.current-test`)
    renameSync(`${appDir}/.current-test`, `${appDir}/current`)
    await killDaemon(home)

    const list = await supJson<AppList>(home, ['list'])
    await waitFor(() => readlinkSync(`${appDir}/current`) === `releases/${second.body.release?.id ?? ''}`, { timeoutMs: 10_000, what: 'current to point at v2' })
    expect(tree(`${appDir}/current`)).toEqual(tree(v2))
    const pids = list.apps.find((a) => a.name === 'web')?.workers.map((w) => w.pid)
    expect(pids).toEqual(second.body.workers?.map((w) => w.pid)) // nobody was restarted
    for (const w of second.body.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toMatch(/^v2 /)
    expect((await call(target, 'GET', '/apps/web/releases')).body.releases?.find((r) => r.current)?.id).toBe(second.body.release?.id)
  })
})
