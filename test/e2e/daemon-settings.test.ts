// e2e: daemon settings live in $SUP_HOME/config.json (`sup config`), so a daemon started from any shell behaves the
// same: the nginx outage of issue 13 replayed, an environment override reported, `sup daemon --restart --listen`.
import { readFileSync, statSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AppView, ConfigView, EventList } from '../../packages/protocol/src/index.ts'
import { FIXTURES, freePortRange, httpGet, requireNginx, runSup, startLoad, startNginx, supJson, waitFor } from '@sup/test-support'
import { useHome } from './crash-safety-support.ts'
import { call, makeDir, packageJson, serverJs, tarDir } from './deploy-support.ts'

const hasNginx = requireNginx()

/** A shell with no sup setting in it: what `sup` sees when an operator opens a new terminal. */
const PLAIN: Record<string, string> = {}

describe('sup config', () => {
  it('set writes config.json (0600), a bad key or value is refused with the valid keys and nothing is written', async () => {
    const home = useHome()
    const ok = await runSup(home, ['config', 'set', 'portPool', '9100-9199'], { env: PLAIN })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/uses it now/)
    expect(statSync(`${home}/config.json`).mode & 0o777).toBe(0o600)
    const before = readFileSync(`${home}/config.json`, 'utf8')
    expect(JSON.parse(before)).toEqual({ portPool: '9100-9199' })

    const badKey = await runSup(home, ['config', 'set', 'nginx.relaod', 'nginx -s reload'])
    expect(badKey.code).toBe(1)
    expect(badKey.stderr).toMatch(/Unknown setting 'nginx\.relaod'.*valid keys: nginx\.reload, nginx\.test, listen/)
    const badValue = await runSup(home, ['config', 'set', 'portPool', '80-90'])
    expect(badValue.code).toBe(1)
    expect(badValue.stderr).toMatch(/Invalid value for portPool, nothing was written/)
    expect(readFileSync(`${home}/config.json`, 'utf8')).toBe(before)

    const listen = await runSup(home, ['config', 'set', 'listen', '127.0.0.1:9']) // not live
    expect(listen.stdout).toMatch(/takes effect at the next `sup daemon --restart`/)
    const view = await supJson<ConfigView>(home, ['config', 'list'])
    expect(view.settings.find((s) => s.key === 'listen')).toMatchObject({ value: null, configValue: '127.0.0.1:9', pending: true })
    const unset = await runSup(home, ['config', 'unset', 'listen'])
    expect(unset.code, unset.stderr).toBe(0)
    expect(JSON.parse(readFileSync(`${home}/config.json`, 'utf8'))).toEqual({ portPool: '9100-9199' })
  })

  it('list and get show the value in effect: the one set, else the default, else none', async () => {
    const home = useHome()
    expect((await runSup(home, ['config', 'set', 'portPool', '9100-9199'], { env: PLAIN })).code).toBe(0)
    const get = async (key: string): Promise<string> => (await runSup(home, ['config', 'get', key], { env: PLAIN })).stdout
    expect(await get('portPool')).toBe('9100-9199\n')
    expect(await get('deploy.maxBody')).toBe('200M\n')
    expect(await get('listen')).toBe('\n')
    const list = (await runSup(home, ['config', 'list'], { env: PLAIN })).stdout
    expect(list).toMatch(/^portPool +9100-9199 +config *$/m)
    expect(list).toMatch(/^deploy\.maxBody +200M +default *$/m)
    expect(list).toMatch(/^listen +\(unset\) +default *$/m)
    expect(await get('nginx.test')).toBe('\n')
    expect((await runSup(home, ['config', 'set', 'nginx.reload', '/usr/sbin/nginx -p /srv/ng -s reload'], { env: PLAIN })).code).toBe(0)
    expect(await get('nginx.test')).toBe('/usr/sbin/nginx -p /srv/ng -t\n') // what it runs: nginx -t of that nginx
  })

  it('an environment variable overrides config.json for that daemon, and the CLI says so', async () => {
    const home = useHome()
    expect((await runSup(home, ['config', 'set', 'nginx.reload', '/bin/true y'])).code).toBe(0)
    expect((await runSup(home, ['kill'])).code).toBe(0)
    // a daemon started from a shell with SUP_NGINX_RELOAD=x
    const fromX = await runSup(home, ['list'], { env: { SUP_NGINX_RELOAD: '/bin/true x' } })
    expect(fromX.code, fromX.stderr).toBe(0)
    const view = await supJson<ConfigView>(home, ['config', 'list'])
    expect(view.settings.find((s) => s.key === 'nginx.reload')).toMatchObject({ value: '/bin/true x', source: 'env', configValue: '/bin/true y' })
    // the same shell is told its variable overrides config.json; a plain shell is told the daemon runs with it
    expect(fromX.stderr).toMatch(/daemon runs with SUP_NGINX_RELOAD='\/bin\/true x' from the environment that started it \(config.json says '\/bin\/true y'\)/)
    const plain = await runSup(home, ['list'], { env: PLAIN })
    expect(plain.stderr).toMatch(/SUP_NGINX_RELOAD/)
    expect(plain.stderr.split('\n').filter((l) => l.includes('SUP_NGINX_RELOAD'))).toHaveLength(1) // once
    // another value in this shell: told to use sup config
    const other = await runSup(home, ['list'], { env: { SUP_NGINX_RELOAD: '/bin/true z' } })
    expect(other.stderr).toMatch(/SUP_NGINX_RELOAD is set here but the daemon runs with '\/bin\/true x'.*sup config set nginx\.reload/)
  })

  it('a fresh home gets an empty config.json: the environment that started its first daemon is an override, not a setting', async () => {
    const home = useHome()
    const up = await runSup(home, ['list'], { env: { SUP_PORT_POOL: '9200-9299' } })
    expect(up.code, up.stderr).toBe(0)
    expect(JSON.parse(readFileSync(`${home}/config.json`, 'utf8'))).toEqual({})
    const events = await supJson<EventList>(home, ['events'])
    expect(events.events.filter((e) => e.type === 'config-migrated')).toEqual([])
  })

  it('settings found only in the environment at the first start after an upgrade are written to config.json once, with an event', async () => {
    const home = useHome()
    expect((await runSup(home, ['list'])).code).toBe(0)
    expect((await runSup(home, ['kill'])).code).toBe(0)
    // an install from before config.json: sup.db exists, config.json does not
    const { rmSync } = await import('node:fs')
    rmSync(`${home}/config.json`)
    const up = await runSup(home, ['list'], { env: { SUP_PORT_POOL: '9200-9299' } })
    expect(up.code, up.stderr).toBe(0)
    expect(JSON.parse(readFileSync(`${home}/config.json`, 'utf8'))).toEqual({ portPool: '9200-9299' })
    const events = await supJson<EventList>(home, ['events'])
    expect(events.events.filter((e) => e.type === 'config-migrated')).toHaveLength(1)
  })
})

describe.skipIf(!hasNginx)('the nginx outage of issue 13, replayed', () => {
  it('settings via sup config, sup kill, a daemon from a plain shell, sup scale: nginx routes to the new workers, 0 failed requests', async () => {
    const home = useHome()
    const nginx = await startNginx({ dir: `${home}/nginx-prefix`, includeGlob: `${home}/nginx/*.conf`, app: 'web' })
    onTestFinished(() => nginx.stop())
    for (const [k, v] of [['nginx.reload', nginx.reloadCommand.join(' ')], ['nginx.test', nginx.testCommand.join(' ')]] as const) {
      const r = await runSup(home, ['config', 'set', k, v], { env: PLAIN })
      expect(r.code, r.stderr).toBe(0)
    }
    const range = await freePortRange(8)
    const start = await runSup(home, ['start', `${FIXTURES}/reloadable.js`, '-n', '2', '--name', 'web', '--port-range', range.range, '--drain', '300ms', '--env', `STATE_DIR=${home}`], { env: PLAIN })
    expect(start.code, start.stderr).toBe(0)
    await waitFor(async () => (await httpGet(nginx.port)).status === 200, { what: 'nginx to route to the app' })

    // `sup kill` writes the `down` placeholder; a new daemon from a plain shell must tell nginx again
    expect((await runSup(home, ['kill'], { env: PLAIN })).code).toBe(0)
    const list = await runSup(home, ['list'], { env: PLAIN })
    expect(list.code, list.stderr).toBe(0)
    expect(list.stderr).not.toMatch(/nginx is not told/)
    await waitFor(async () => (await supJson<AppView>(home, ['show', 'web'])).workers.every((w) => w.state === 'online'), { what: 'workers back' })
    const scaled = await runSup(home, ['scale', 'web', '3'], { env: PLAIN })
    expect(scaled.code, scaled.stderr).toBe(0)
    await waitFor(async () => (await httpGet(nginx.port)).status === 200, { timeoutMs: 10_000, what: 'nginx to route to the new workers' })

    const load = startLoad(nginx.port, { maxMs: 20_000 })
    await waitFor(() => load.result.ok > 200, { what: 'load to run' })
    const scaledUp = await runSup(home, ['scale', 'web', '4'], { env: PLAIN })
    expect(scaledUp.code, scaledUp.stderr).toBe(0)
    const n = load.result.ok
    await waitFor(() => load.result.ok > n + 200, { what: 'more load' })
    const result = await load.stop()
    expect(result.failures).toEqual([])
    // the workers of the new daemon answered through nginx (not the killed ones, whose ports the placeholder kept)
    const pids = (await supJson<AppView>(home, ['show', 'web'])).workers.map((w) => w.pid)
    const served = [...new Set([...result.bodies].map((b) => Number(b.split(' ')[1])))]
    expect(served.length).toBeGreaterThan(1)
    for (const pid of served) expect(pids).toContain(pid)
  })

  it('sup list warns when an app has an upstream file and no nginx.reload is configured; "off" silences it', async () => {
    const home = useHome()
    const range = await freePortRange(2)
    expect((await runSup(home, ['start', `${FIXTURES}/hello-ready.js`, '--name', 'api', '--port-range', range.range], { env: PLAIN })).code).toBe(0)
    const list = await runSup(home, ['list'], { env: PLAIN })
    expect(list.stderr).toMatch(/nginx is not told about changes .* for api/)
    expect((await runSup(home, ['config', 'set', 'nginx.reload', 'off'], { env: PLAIN })).code).toBe(0)
    expect((await runSup(home, ['list'], { env: PLAIN })).stderr).not.toMatch(/nginx is not told/)
  })
})

describe('sup daemon --restart --listen', () => {
  it('honours --listen: the new daemon serves the TCP API, a deploy with the token works', async () => {
    const home = useHome()
    expect((await runSup(home, ['list'], { env: PLAIN })).code).toBe(0)
    const [api, range] = [await freePortRange(1), await freePortRange(2)]
    const r = await runSup(home, ['daemon', '--restart', '--listen', `127.0.0.1:${api.from}`], { env: PLAIN })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(readFileSync(`${home}/config.json`, 'utf8'))).toMatchObject({ listen: `127.0.0.1:${api.from}` })
    const token = readFileSync(`${home}/token`, 'utf8').trim()
    const app = tarDir(makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v1') }))
    const res = await call({ port: api.from, token }, 'POST', `/deploy/alice/web?instances=1&portRange=${range.range}`, app)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const none = await call({ port: api.from }, 'GET', '/apps/web/releases')
    expect(none.status).toBe(401)
  })
})
