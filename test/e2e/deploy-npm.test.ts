// e2e: deploys that run a REAL npm, offline (local `file:` dependencies, a directory and a packed .tgz): installed
// into the release, `npm ci` with a lockfile, a failing install and a hanging one refused with nothing switched.
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AppList } from '../../packages/protocol/src/index.ts'
import { freePortRange, httpGet, isAlive, runSup, supJson, waitFor } from '@sup/test-support'
import { useHome } from './crash-safety-support.ts'
import { call, failingInstallJs, localDep, makeDir, packageJson, serverJs, tarDir, waitingInstallJs } from './deploy-support.ts'

/** npm may not reach any registry: offline, and a registry address nothing listens on. */
const OFFLINE = { npm_config_offline: 'true', npm_config_registry: 'http://127.0.0.1:9/' }
/** package.json's "sup" field of an app that opts in to its dependencies' install scripts (off by default). */
const SCRIPTS_ON = { drain: '200ms', listenTimeout: '30s', installScripts: true }

async function startDaemon (env: Record<string, string> = {}) {
  const home = useHome()
  const range = await freePortRange(6)
  const r = await runSup(home, ['list'], { env: { ...OFFLINE, ...env } })
  expect(r.code, r.stderr).toBe(0)
  return { home, target: { socketPath: `${home}/sup.sock` }, path: `/deploy/alice/web?instances=2&portRange=${range.range}` }
}

/** `npm pack` of a local package into `<appDir>/vendor/`; returns the .tgz's name. */
function packInto (appDir: string, name: string, value: string): string {
  const src = makeDir(Object.fromEntries(Object.entries(localDep(name, value)).map(([k, v]) => [k.replace(`vendor/${name}/`, ''), v])))
  return execFileSync('npm', ['pack', '--offline', '--silent', '--pack-destination', `${appDir}/vendor`], { cwd: src, encoding: 'utf8' }).trim()
}

/** Deploys v1 (no dependencies, 2 workers) and checks it serves. */
async function deployV1 (target: { socketPath: string }, path: string) {
  const v1 = makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v1') })
  const first = await call(target, 'POST', path, tarDir(v1))
  expect(first.status, JSON.stringify(first.body)).toBe(200)
  return first.body
}

/** After a refused deploy: same worker pids serving v1, `current` unchanged, one release (row and dir), no staging. */
async function expectNothingSwitched (home: string, target: { socketPath: string }, v1: Awaited<ReturnType<typeof deployV1>>): Promise<void> {
  const list = await supJson<AppList>(home, ['list'])
  const app = list.apps.find((a) => a.name === 'web')
  expect(app?.workers.map((w) => w.pid)).toEqual(v1.workers?.map((w) => w.pid))
  for (const w of app?.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toMatch(/^v1 \d+/)
  const dir = `${home}/apps/alice/web`
  expect(readlinkSync(`${dir}/current`)).toBe(`releases/${v1.release?.id ?? ''}`)
  expect(readdirSync(`${dir}/releases`)).toEqual([v1.release?.id])
  expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([])
  expect((await call(target, 'GET', '/apps/web/releases')).body.releases?.map((r) => r.id)).toEqual([v1.release?.id])
}

describe('deploys with a real npm (offline, local dependencies)', () => {
  it('installs a directory and a packed dependency into the release, keeps the log; with a lockfile it runs npm ci', async () => {
    const { home, target, path } = await startDaemon()
    const app = makeDir({
      'package.json': '{}',
      'server.js': serverJs('v1', { requires: ['dep', 'packed'] }),
      ...localDep('dep', 'dep-value')
    })
    const tgz = packInto(app, 'packed', 'packed-value')
    const pkg = packageJson({ dependencies: { dep: 'file:./vendor/dep', packed: `file:./vendor/${tgz}` } })
    writeFileSync(`${app}/package.json`, pkg)

    const first = await call(target, 'POST', path, tarDir(app))
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    const rel = `${home}/apps/alice/web/releases/${first.body.release?.id ?? ''}`
    // the directory dependency is linked inside the release, the packed one unpacked into node_modules
    expect(readlinkSync(`${rel}/node_modules/dep`)).toBe('../vendor/dep')
    expect(lstatSync(`${rel}/node_modules/packed/index.js`).isFile()).toBe(true)
    for (const w of first.body.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toMatch(/^v1 dep-value packed-value \d+/)
    const log = readFileSync(`${rel}/.sup-install.log`, 'utf8')
    expect(log.split('\n')[0]).toBe('$ npm install --omit=dev --no-audit --no-fund --no-update-notifier --ignore-scripts')
    expect(log).toMatch(/added 2 packages/)

    // a lockfile: npm ci
    execFileSync('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund'], { cwd: app, env: { ...process.env, ...OFFLINE }, stdio: 'ignore' })
    expect(existsSync(`${app}/package-lock.json`)).toBe(true)
    const second = await call(target, 'POST', path, tarDir(app))
    expect(second.status, JSON.stringify(second.body)).toBe(200)
    const rel2 = `${home}/apps/alice/web/releases/${second.body.release?.id ?? ''}`
    expect(readFileSync(`${rel2}/.sup-install.log`, 'utf8').split('\n')[0]).toBe('$ npm ci --omit=dev --no-audit --no-fund --no-update-notifier --ignore-scripts')
    expect(lstatSync(`${rel2}/node_modules/packed/index.js`).isFile()).toBe(true)
    for (const w of second.body.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toMatch(/^v1 dep-value packed-value \d+/)
  })

  it('a failing install: 422 SUP_ERR_INSTALL_FAILED with npm\'s last lines, nothing switched', async () => {
    const { home, target, path } = await startDaemon()
    const v1 = await deployV1(target, path)
    const v2 = makeDir({
      'package.json': packageJson({ dependencies: { broken: 'file:./vendor/broken' }, sup: SCRIPTS_ON }),
      'server.js': serverJs('v2'),
      ...localDep('broken', 'b', failingInstallJs('broken: cannot build the native part (reason-7f3a)'))
    })
    const res = await call(target, 'POST', path, tarDir(v2))
    expect(res.status).toBe(422)
    expect(res.body.error?.code).toBe('SUP_ERR_INSTALL_FAILED')
    expect(res.body.error?.message).toMatch(/npm install exited with 1/)
    expect((res.body.error?.output ?? []).join('\n')).toMatch(/reason-7f3a/)
    await expectNothingSwitched(home, target, v1)
  })

  it('an install over SUP_DEPLOY_INSTALL_TIMEOUT: a clear error, npm and its script killed, nothing switched', async () => {
    const { home, target, path } = await startDaemon({ SUP_DEPLOY_INSTALL_TIMEOUT: '3s' })
    const state = makeDir({}, '/tmp/sup-state-')
    const v1 = await deployV1(target, path)
    const v2 = makeDir({
      'package.json': packageJson({ dependencies: { hangs: 'file:./vendor/hangs' }, sup: SCRIPTS_ON }),
      'server.js': serverJs('v2'),
      ...localDep('hangs', 'h', waitingInstallJs(state))
    })
    const res = await call(target, 'POST', path, tarDir(v2))
    expect(res.status).toBe(422)
    expect(res.body.error?.code).toBe('SUP_ERR_INSTALL_FAILED')
    expect(res.body.error?.message).toMatch(/npm install took longer than 3000 ms/)
    expect(res.body.error?.output?.[0]).toMatch(/^\$ npm install /) // npm holds a script's output until it ends
    const pids = readFileSync(`${state}/npm-pids`, 'utf8').trim().split(' ').map(Number)
    expect(pids.length).toBeGreaterThanOrEqual(2) // the script and npm (and any shell between them)
    await waitFor(() => pids.every((p) => !isAlive(p)), { timeoutMs: 3_000, what: `npm processes ${pids.join(', ')} to be gone` })
    await expectNothingSwitched(home, target, v1)
  })
})
