// e2e: the trust boundary of docs/security.md: npm runs no lifecycle script unless the app opts in, and with the small
// base environment; the one-daemon locks live in the 0700 home, so another local user cannot squat them.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { DAEMON_BIN, freePortRange, logdPid, runSup, waitFor } from '@sup/test-support'
import { useHome } from './crash-safety-support.ts'
import { call, localDep, makeDir, packageJson, serverJs, tarDir } from './deploy-support.ts'

/** npm may not reach any registry: offline, and a registry address nothing listens on. */
const OFFLINE = { npm_config_offline: 'true', npm_config_registry: 'http://127.0.0.1:9/' }

/** An app with a local dependency (so npm runs) whose own postinstall writes its environment to `<state>/postinstall.json`. */
function appWithPostinstall (state: string, sup: Record<string, unknown>): string {
  return makeDir({
    'package.json': packageJson({ dependencies: { dep: 'file:./vendor/dep' }, scripts: { postinstall: 'node postinstall.cjs' }, sup: { drain: '200ms', listenTimeout: '30s', ...sup } }),
    'postinstall.cjs': `require('fs').writeFileSync(${JSON.stringify(`${state}/postinstall.json`)}, JSON.stringify(process.env))\n`,
    'server.js': serverJs('v1'),
    ...localDep('dep', 'dep-value')
  })
}

describe('npm during a deploy', () => {
  it('runs no lifecycle script by default; with "sup": {"installScripts": true} it does, without the daemon\'s secrets or SUP_* variables', async () => {
    const home = useHome()
    const range = await freePortRange(4)
    const r = await runSup(home, ['list'], { env: { ...OFFLINE, MY_SECRET: 'hunter2-7c1e' } })
    expect(r.code, r.stderr).toBe(0)
    const target = { socketPath: `${home}/sup.sock` }
    const state = makeDir({}, '/tmp/sup-state-')

    const off = await call(target, 'POST', `/deploy/alice/web?instances=1&portRange=${range.range}`, tarDir(appWithPostinstall(state, {})))
    expect(off.status, JSON.stringify(off.body)).toBe(200)
    expect(existsSync(`${state}/postinstall.json`)).toBe(false)

    const on = await call(target, 'POST', `/deploy/alice/web?instances=1&portRange=${range.range}`, tarDir(appWithPostinstall(state, { installScripts: true })))
    expect(on.status, JSON.stringify(on.body)).toBe(200)
    const env = JSON.parse(readFileSync(`${state}/postinstall.json`, 'utf8')) as Record<string, string>
    expect(Object.values(env)).not.toContain('hunter2-7c1e')
    expect(Object.keys(env).filter((k) => k.startsWith('SUP_'))).toEqual([])
    expect(env.PATH).toBeDefined()
  })

  it('the npm.installScripts setting turns scripts on for every app', async () => {
    const home = useHome()
    const range = await freePortRange(4)
    expect((await runSup(home, ['config', 'set', 'npm.installScripts', 'true'], { env: OFFLINE })).code).toBe(0)
    const state = makeDir({}, '/tmp/sup-state-')
    const res = await call({ socketPath: `${home}/sup.sock` }, 'POST', `/deploy/alice/web?instances=1&portRange=${range.range}`, tarDir(appWithPostinstall(state, {})))
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(existsSync(`${state}/postinstall.json`)).toBe(true)
  })
})

/** Listens on an abstract unix socket (what any local user can do), closed after the test. */
async function squat (name: string): Promise<Server> {
  const server = createServer((s) => s.destroy())
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen({ path: name, exclusive: true }, resolve) })
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return server
}

describe('single-instance locks', () => {
  it('abstract sockets squatted by another user no longer stop the daemon nor sup-logd; the locks are files in the 0700 home', async () => {
    const home = useHome()
    // the names sup used before: any local user could bind them first (the daemon then exited 3)
    const id = createHash('sha256').update(home).digest('hex').slice(0, 16)
    await squat(`\0sup-lock-${id}`)
    await squat(`\0sup-logd-${id}`)
    const r = await runSup(home, ['list'])
    expect(r.code, r.stderr).toBe(0)
    await waitFor(() => logdPid(home), { timeoutMs: 10_000, what: 'sup-logd to run' })
    for (const f of ['sup.lock', 'logd.lock']) expect(statSync(`${home}/${f}`).mode & 0o777).toBe(0o600)
    expect(statSync(home).mode & 0o777).toBe(0o700)

    // the lock still works: a second daemon for the same home exits 3 and changes nothing
    const second = spawnSync(process.execPath, [DAEMON_BIN], { env: { ...process.env, SUP_HOME: home }, encoding: 'utf8', timeout: 20_000 })
    expect(second.status).toBe(3)
    expect(second.stderr).toMatch(/already running/)
    expect((await runSup(home, ['list'])).code).toBe(0)
  })
})
