// e2e: a real PM2 ecosystem.config.js (a web app on env.PORT + increment_var, a queue worker without a port) runs under sup.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AppList, AppView } from '../../packages/protocol/src/index.ts'
import { freePortRange, httpGet, killPid, requireNginx, runSup, startLoad, startNginx, supJson, useSupHome, waitFor } from '@sup/test-support'

const hasNginx = requireNginx()

const SERVER = `require('http').createServer((q, s) => s.end(process.env.GREETING + ' ' + process.pid)).listen(+process.env.PORT, '127.0.0.1')\n`
const WORKER = 'let n = 0; setInterval(() => console.log(`job ${++n} from ${process.env.QUEUE}`), 200)\n'

/** A PM2 ecosystem file as PM2 users write it, web ports from `from`. */
function ecosystem (from: number, greeting: string): string {
  return `module.exports = {
  apps: [
    { name: 'web', script: './server.js', instances: 2, exec_mode: 'cluster', increment_var: 'PORT',
      env: { PORT: ${from}, GREETING: '${greeting}' }, env_production: { GREETING: 'prod' }, kill_timeout: 3000 },
    { name: 'queue', script: 'worker.js', env: { QUEUE: 'jobs' }, max_restarts: 5, restart_delay: 100 }
  ]
}
`
}

function project (from: number, greeting = 'hello'): string {
  const dir = mkdtempSync('/tmp/sup-eco-')
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(`${dir}/server.js`, SERVER)
  writeFileSync(`${dir}/worker.js`, WORKER)
  writeFileSync(`${dir}/ecosystem.config.js`, ecosystem(from, greeting))
  return dir
}

const app = (list: AppList, name: string): AppView | undefined => list.apps.find((a) => a.name === name)

describe('sup start ecosystem.config.js', () => {
  it('runs the web app on its PORTs and the queue worker without a port; a SIGKILLed worker comes back', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const dir = project(ports.from)
    const r = await runSup(home, ['start', 'ecosystem.config.js'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/exec_mode 'cluster'/)

    const list = await supJson<AppList>(home, ['list'])
    expect(app(list, 'web')?.workers.map((w) => [w.state, w.port])).toEqual([['online', ports.from], ['online', ports.to]])
    expect(app(list, 'queue')?.workers.map((w) => [w.state, w.port])).toEqual([['online', null]])
    for (const port of [ports.from, ports.to]) expect((await httpGet(port)).body).toMatch(/^hello \d+$/)

    await waitFor(async () => (await runSup(home, ['logs', 'queue', '--no-follow'])).stdout.includes('from jobs'), { what: 'the queue worker to log' })

    const pid = app(list, 'queue')?.workers[0]?.pid ?? 0
    killPid(pid, 'SIGKILL')
    const back = await waitFor(async () => {
      const w = app(await supJson<AppList>(home, ['list']), 'queue')?.workers[0]
      return w !== undefined && w.state === 'online' && w.pid !== pid ? w : undefined
    }, { what: 'the queue worker to come back' })
    expect(back.restarts).toBeGreaterThanOrEqual(1)
  })

  it("stops an app with SIGINT, as PM2 does: a queue worker's SIGINT handler (PM2's graceful stop) finishes its job", async () => {
    const home = useSupHome()
    const dir = project(1)
    // PM2's documented graceful stop: `process.on('SIGINT', …)`; node's default for SIGTERM would end it mid-job
    writeFileSync(`${dir}/graceful.js`, "setInterval(() => {}, 1000); process.on('SIGINT', () => { console.log('finished the job, exiting'); process.exit(0) })\n")
    writeFileSync(`${dir}/ecosystem.config.js`, "module.exports = { apps: [{ name: 'jobs', script: 'graceful.js' }, { name: 'own', script: 'graceful.js', killSignal: 'SIGTERM' }] }\n")
    const r = await runSup(home, ['start', 'ecosystem.config.js'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    expect((await supJson<AppView>(home, ['show', 'jobs'])).spec.killSignal).toBe('SIGINT')
    expect((await runSup(home, ['stop', 'jobs'])).code).toBe(0)
    const stopped = await supJson<AppView>(home, ['show', 'jobs'])
    expect(stopped.workers.map((w) => [w.state, w.lastExit?.code, w.lastExit?.signal])).toEqual([['stopped', 0, null]])
    expect((await runSup(home, ['logs', 'jobs', '--no-follow'])).stdout).toContain('finished the job, exiting')
    // sup's own key, given in the file, is kept
    expect((await supJson<AppView>(home, ['show', 'own'])).spec.killSignal).toBe('SIGTERM')
  })

  it('--only starts the apps named; --env <name> picks env_<name>', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const dir = project(ports.from)
    const r = await runSup(home, ['start', 'ecosystem.config.js', '--only', 'web', '--env', 'production'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const list = await supJson<AppList>(home, ['list'])
    expect(list.apps.map((a) => a.name)).toEqual(['web'])
    expect((await httpGet(ports.from)).body).toMatch(/^prod \d+$/)
    const bad = await runSup(home, ['start', 'ecosystem.config.js', '--only', 'nope'], { cwd: dir })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/has no app named 'nope'/)
  })

  it('the same file started again applies a changed env value without restarting what did not change', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const dir = project(ports.from)
    expect((await runSup(home, ['start', 'ecosystem.config.js'], { cwd: dir })).code).toBe(0)
    const before = await supJson<AppList>(home, ['list'])
    writeFileSync(`${dir}/ecosystem.config.js`, ecosystem(ports.from, 'howdy'))
    const r = await runSup(home, ['start', 'ecosystem.config.js'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    for (const port of [ports.from, ports.to]) expect((await httpGet(port)).body).toMatch(/^howdy \d+$/)
    const after = await supJson<AppList>(home, ['list'])
    // the queue worker's definition did not change: same process
    expect(app(after, 'queue')?.workers[0]?.pid).toBe(app(before, 'queue')?.workers[0]?.pid)
    for (const w of app(after, 'web')?.workers ?? []) expect(app(before, 'web')?.workers.map((x) => x.pid)).not.toContain(w.pid)
  })

  it("a cluster app on a fixed port as PM2 users write it runs each worker on a pool port; interpreter 'none' runs a binary", async () => {
    const home = useSupHome()
    const pool = await freePortRange(2)
    const fixed = await freePortRange(1)
    const dir = mkdtempSync('/tmp/sup-eco-')
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(`${dir}/server.js`, `require('http').createServer((q, s) => s.end('on ' + process.pid)).listen(+process.env.PORT || ${fixed.from}, '127.0.0.1')\n`)
    writeFileSync(`${dir}/ecosystem.config.js`, `module.exports = { apps: [
  { name: 'web', script: 'server.js', instances: 2, exec_mode: 'cluster' },
  { name: 'nap', script: 'sleep', args: '600', interpreter: 'none' }
] }\n`)
    const r = await runSup(home, ['start', 'ecosystem.config.js'], { cwd: dir, env: { SUP_PORT_POOL: `${pool.from}-${pool.to}` } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/2 separate workers, each on its own port from the daemon's pool/)

    const list = await supJson<AppList>(home, ['list'])
    expect(app(list, 'web')?.workers.map((w) => [w.state, w.port]).sort()).toEqual([['online', pool.from], ['online', pool.to]])
    for (const w of app(list, 'web')?.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toBe(`on ${w.pid}`)
    const nap = app(list, 'nap')?.workers[0]
    expect(nap?.state).toBe('online')
    expect(readFileSync(`/proc/${nap?.pid ?? 0}/cmdline`, 'utf8').split('\0').slice(0, 2)).toEqual([expect.stringMatching(/\/sleep$/), '600'])
  })
})

describe.skipIf(!hasNginx)('sup start ecosystem.config.js again, behind nginx', () => {
  it('applies a changed env value with zero failed requests', async () => {
    const home = useSupHome()
    const nginx = await startNginx({ dir: `${home}/nginx-prefix`, includeGlob: `${home}/nginx/*.conf`, app: 'web' })
    onTestFinished(() => nginx.stop())
    const env = { SUP_NGINX_RELOAD: nginx.reloadCommand.join(' '), SUP_NGINX_TEST: nginx.testCommand.join(' ') }
    const ports = await freePortRange(2)
    const dir = project(ports.from)
    expect((await runSup(home, ['start', 'ecosystem.config.js'], { cwd: dir, env })).code).toBe(0)
    await waitFor(async () => (await httpGet(nginx.port)).status === 200, { what: 'nginx to route to the app' })

    const load = startLoad(nginx.port, { maxMs: 30_000 })
    await waitFor(() => load.result.ok > 100, { what: 'load to run' })
    writeFileSync(`${dir}/ecosystem.config.js`, ecosystem(ports.from, 'howdy'))
    const r = await runSup(home, ['start', 'ecosystem.config.js'], { cwd: dir, env, timeoutMs: 60_000 })
    await waitFor(() => [...load.result.bodies].some((b) => b.startsWith('howdy')), { what: 'the new env to answer through nginx' })
    const result = await load.stop()
    expect(r.code, r.stderr).toBe(0)
    if (result.failures.length > 0) console.error(readFileSync(nginx.errorLog, 'utf8').split('\n').slice(-20).join('\n'))
    expect(result.failures).toEqual([])
    expect(result.ok).toBeGreaterThan(100)
    expect([...result.bodies].some((b) => b.startsWith('hello'))).toBe(true)
  })
})
