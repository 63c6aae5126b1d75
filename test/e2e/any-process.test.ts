// e2e: what PM2 users run: any command, workers without a port, their shell's environment, everyday verbs, bad input refused.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AppList, AppView, EventList } from '../../packages/protocol/src/index.ts'
import { freePortRange, httpGet, killPid, runSup, supJson, useSupHome, waitFor } from '@sup/test-support'

function tmpProject (files: Record<string, string>): string {
  const dir = mkdtempSync('/tmp/sup-any-')
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) writeFileSync(`${dir}/${name}`, text)
  return dir
}

/** Answers its environment as JSON. */
const ENV_SERVER = "require('http').createServer((q, s) => s.end(JSON.stringify(process.env))).listen(+process.env.PORT, '127.0.0.1')\n"
const LOOP = '#!/bin/bash\nwhile true; do echo "tick $SUP_INSTANCE port=${PORT:-none}"; sleep 0.2; done\n'

const workersOf = async (home: string, name: string): Promise<AppView['workers']> =>
  (await supJson<AppList>(home, ['list'])).apps.find((a) => a.name === name)?.workers ?? []

describe('any process', () => {
  it("supervises python3's http.server on $PORT and a bash loop with --no-port", async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const dir = tmpProject({ 'loop.sh': LOOP })
    chmodSync(`${dir}/loop.sh`, 0o755)
    const py = await runSup(home, ['start', '--name', 'py', '-n', '2', '--port-range', ports.range, '--', 'python3', '-m', 'http.server', '$PORT', '--bind', '127.0.0.1'], { cwd: dir })
    expect(py.code, py.stderr).toBe(0)
    // a command from PATH runs where `sup start` ran: http.server serves that directory (not /usr/bin)
    for (const port of [ports.from, ports.to]) expect((await httpGet(port, '/loop.sh')).body).toBe(LOOP)

    const loop = await runSup(home, ['start', './loop.sh', '--no-port', '-n', '2'], { cwd: dir })
    expect(loop.code, loop.stderr).toBe(0)
    const workers = await workersOf(home, 'loop')
    expect(workers.map((w) => [w.state, w.port])).toEqual([['online', null], ['online', null]])
    await waitFor(async () => (await runSup(home, ['logs', 'loop:1', '--no-follow'])).stdout.includes('tick 1 port=none'), { what: 'the loop to log' })
    // still online well after the 8 s a port-less worker used to get before being called failed
    const pid = workers[0]?.pid ?? 0
    killPid(pid, 'SIGKILL')
    await waitFor(async () => { const w = (await workersOf(home, 'loop'))[0]; return w?.state === 'online' && w.pid !== pid }, { what: 'the killed loop to come back' })
  })

  it("gives the app the environment of the shell that ran `sup start`, never the daemon's, and keeps it across a daemon restart", async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    const dir = tmpProject({ 'server.js': ENV_SERVER })
    // the daemon starts from a shell holding a secret of its own
    expect((await runSup(home, ['list'], { env: { ONLY_IN_DAEMON: 'daemon-secret' } })).code).toBe(0)
    const secret = 'postgres://user:pw-7f3a@db/app'
    const r = await runSup(home, ['start', 'server.js', '--port-range', ports.range], { cwd: dir, env: { DATABASE_URL: secret } })
    expect(r.code, r.stderr).toBe(0)
    const env = (): Promise<Record<string, string>> => httpGet(ports.from).then((a) => JSON.parse(a.body) as Record<string, string>)
    expect((await env()).DATABASE_URL).toBe(secret)
    expect((await env()).ONLY_IN_DAEMON).toBeUndefined()
    expect((await env()).NODE_PATH ?? '').not.toMatch(/\.pnpm/)
    // never shown back
    for (const args of [['list', '--json'], ['show', 'server', '--json'], ['events', '--json']]) expect((await runSup(home, args)).stdout).not.toContain('pw-7f3a')
    expect((await runSup(home, ['env', 'server'])).stdout).toMatch(/^DATABASE_URL$/m)
    expect((await runSup(home, ['env', 'server'])).stdout).not.toContain('pw-7f3a')

    // kill the daemon and its workers; the next daemon starts from a shell without DATABASE_URL
    expect((await runSup(home, ['kill'])).code).toBe(0)
    expect((await runSup(home, ['list'])).code).toBe(0)
    await waitFor(async () => (await workersOf(home, 'server'))[0]?.state === 'online', { what: 'the app to come back' })
    expect((await env()).DATABASE_URL).toBe(secret)

    // --update-env takes the current shell's environment
    const u = await runSup(home, ['restart', 'server', '--update-env'], { env: { DATABASE_URL: 'postgres://new' } })
    expect(u.code, u.stderr).toBe(0)
    expect((await env()).DATABASE_URL).toBe('postgres://new')
  })
})

describe('everyday verbs', () => {
  it('scale +2 / -1, stop and restart one instance, start all, logs of a missing instance', async () => {
    const home = useSupHome()
    const dir = tmpProject({ 'loop.sh': LOOP })
    chmodSync(`${dir}/loop.sh`, 0o755)
    expect((await runSup(home, ['start', './loop.sh', '--no-port', '--ready-after', '300ms'], { cwd: dir })).code).toBe(0)
    expect((await runSup(home, ['scale', 'loop', '+2'])).code).toBe(0)
    expect((await workersOf(home, 'loop')).map((w) => w.state)).toEqual(['online', 'online', 'online'])
    expect((await runSup(home, ['scale', 'loop', '-1'])).code).toBe(0)
    expect((await workersOf(home, 'loop')).map((w) => w.instance)).toEqual([0, 1])

    expect((await runSup(home, ['stop', 'loop:1'])).code).toBe(0)
    expect((await workersOf(home, 'loop')).map((w) => w.state)).toEqual(['online', 'stopped'])
    const pid0 = (await workersOf(home, 'loop'))[0]?.pid
    expect((await runSup(home, ['restart', 'loop:0'])).code).toBe(0)
    const restarted = await workersOf(home, 'loop')
    expect(restarted[0]?.state).toBe('online')
    expect(restarted[0]?.pid).not.toBe(pid0)
    expect(restarted[1]?.state).toBe('stopped')

    expect((await runSup(home, ['stop', 'all'])).code).toBe(0)
    const all = await runSup(home, ['start', 'all'])
    expect(all.code, all.stderr).toBe(0)
    expect((await workersOf(home, 'loop')).map((w) => w.state)).toEqual(['online', 'online'])

    const logs = await runSup(home, ['logs', 'loop:7', '--no-follow'])
    expect(logs.code).toBe(1)
    expect(logs.stderr).toMatch(/loop has no instance 7/)
  })

  it('`sup start app.js` of the stopped app that runs app.js starts it again, as PM2 does; a running one is an error', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const dir = tmpProject({ 'web.js': ENV_SERVER })
    expect((await runSup(home, ['start', 'web.js', '-n', '2', '--port-range', ports.range], { cwd: dir })).code).toBe(0)
    expect((await runSup(home, ['stop', 'web'])).code).toBe(0)
    const again = await runSup(home, ['start', 'web.js', '-n', '3'], { cwd: dir })
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).toContain("app 'web' already exists: --instances ignored")
    expect((await workersOf(home, 'web')).map((w) => w.state)).toEqual(['online', 'online'])
    const running = await runSup(home, ['start', 'web.js'], { cwd: dir })
    expect(running.code).toBe(1)
    expect(running.stderr).toContain("App 'web' already exists")
    // another script of the same file name is no restart of this one
    const other = tmpProject({ 'web.js': ENV_SERVER })
    expect((await runSup(home, ['stop', 'web'])).code).toBe(0)
    expect((await runSup(home, ['start', 'web.js'], { cwd: other })).code).toBe(1)
  })

  it('stop, restart, reload and flush of all, with no app, say so', async () => {
    const home = useSupHome()
    for (const verb of ['stop', 'restart', 'reload', 'flush']) {
      const r = await runSup(home, [verb, 'all'])
      expect([r.code, r.stdout], r.stderr).toEqual([0, `no apps to ${verb}\n`])
    }
  })

  it('the logs of a deleted app do not show up as those of a new app with the same name', async () => {
    const home = useSupHome()
    const dir = tmpProject({ 'old.sh': '#!/bin/bash\nwhile true; do echo OLD-LINE; sleep 0.2; done\n', 'new.sh': '#!/bin/bash\nwhile true; do echo NEW-LINE; sleep 0.2; done\n' })
    chmodSync(`${dir}/old.sh`, 0o755)
    chmodSync(`${dir}/new.sh`, 0o755)
    expect((await runSup(home, ['start', './old.sh', '--no-port', '--name', 'job'], { cwd: dir })).code).toBe(0)
    await waitFor(async () => (await runSup(home, ['logs', 'job', '--no-follow'])).stdout.includes('OLD-LINE'), { what: 'old lines' })
    expect((await runSup(home, ['delete', 'job'])).code).toBe(0)
    expect((await runSup(home, ['start', './new.sh', '--no-port', '--name', 'job'], { cwd: dir })).code).toBe(0)
    await waitFor(async () => (await runSup(home, ['logs', 'job', '--no-follow'])).stdout.includes('NEW-LINE'), { what: 'new lines' })
    expect((await runSup(home, ['logs', 'job', '--no-follow', '--lines', '1000'])).stdout).not.toContain('OLD-LINE')
  })
})

describe('a start that fails', () => {
  it('says why and shows the last lines the worker printed', async () => {
    const home = useSupHome()
    const dir = tmpProject({ 'crash.js': "console.error('cannot reach the database at db:5432'); process.exit(1)\n" })
    const r = await runSup(home, ['start', 'crash.js', '--restart', 'never'], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/did not come online \(exited\): exited with code 1/)
    expect(r.stderr).toMatch(/\| cannot reach the database at db:5432/)
  })
})

describe('a one-shot job', () => {
  it('that ends with code 0 is a start that worked: exit 0, said so, its output in its log, not run again', async () => {
    const home = useSupHome()
    const dir = tmpProject({ 'job.js': "console.log('job done')\n" })
    for (const [name, args] of [['once', ['--restart', 'never']], ['retry', ['--restart', 'on-failure', '--no-port']]] as const) {
      const r = await runSup(home, ['start', 'job.js', '--name', name, ...args], { cwd: dir })
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toContain(`${name}: worker 0 ran to its end (exit code 0)`)
      expect(r.stderr).not.toMatch(/did not come online/)
    }
    for (const name of ['once', 'retry']) {
      await waitFor(async () => (await runSup(home, ['logs', name, '--no-follow'])).stdout.includes('job done'), { what: `${name}'s output` })
      expect((await workersOf(home, name)).map((w) => [w.state, w.restarts, w.lastExit?.code])).toEqual([['exited', 0, 0]])
    }
    // run again by name, or restarted: each run says so too
    for (const verb of ['start', 'restart']) {
      const again = await runSup(home, [verb, 'once'])
      expect(again.code, again.stderr).toBe(0)
      expect(again.stderr).toContain('once: worker 0 ran to its end (exit code 0), not restarted (restart never)')
    }
  })
})

describe('a job on a schedule', () => {
  it('(--cron-restart with --restart never, PM2 cron_restart without autorestart) runs at each time, and no run is a failure', async () => {
    const home = useSupHome()
    const dir = tmpProject({ 'tick.js': "console.log('run', Date.now())\n" })
    const r = await runSup(home, ['start', 'tick.js', '--no-port', '--restart', 'never', '--cron-restart', '*/2 * * * * *'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    await waitFor(async () => ((await runSup(home, ['logs', 'tick', '--no-follow'])).stdout.match(/\| run \d+/g) ?? []).length >= 3, { what: 'three runs', timeoutMs: 15_000 })
    const { events } = await supJson<EventList>(home, ['events', 'tick'])
    expect(events.map((e) => e.type)).not.toContain('cron-restart-failed')
    expect(events.map((e) => e.type)).not.toContain('reload-failed')
    expect((await workersOf(home, 'tick')).map((w) => w.restarts)).toEqual([0])
  })
})

describe('--node-args', () => {
  it("passes node its options before the script, as PM2's --node-args", async () => {
    const home = useSupHome()
    const dir = tmpProject({ 'server.js': ENV_SERVER })
    const ports = await freePortRange(1)
    const r = await runSup(home, ['start', 'server.js', '--name', 'big', '--port-range', ports.range, '--node-args=--max-old-space-size=200 --no-deprecation'], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const [worker] = await workersOf(home, 'big')
    expect(readFileSync(`/proc/${worker?.pid ?? 0}/cmdline`, 'utf8').split('\0').slice(1, 4)).toEqual(['--max-old-space-size=200', '--no-deprecation', `${dir}/server.js`])
  })
})

describe('bad input: a clear error, nothing started', () => {
  it.each<[string, (dir: string) => string[], RegExp]>([
    ['an unknown PM2 key', () => ['start', 'ecosystem.config.js'], /apps\[0\] has an unknown key 'instancez'/],
    ['--env PORT=', () => ['start', 'server.js', '--env', 'PORT=1234'], /PORT is set by sup/],
    ['a script without the execute bit', () => ['start', './plain.sh', '--no-port'], /has no execute permission/],
    ['a missing interpreter', () => ['start', 'app.py', '--interpreter', 'python-nope'], /interpreter 'python-nope' not found/],
    ['a missing interpreter in a file', () => ['start', 'py.config.js'], /interpreter 'python-nope' not found/],
    ['a command line in one string, as `pm2 start "npm start"`', () => ['start', 'npm run serve'], /'npm run serve' is no file[^]*hint: sup start npm --name <name> -- run serve/],
    ['a missing script whose name has a space (no command line)', () => ['start', 'no such.js'], /Script '.*\/no such\.js' does not exist/]
  ])('%s', async (_name, args, message) => {
    const home = useSupHome()
    const dir = tmpProject({
      'ecosystem.config.js': "module.exports = { apps: [{ name: 'x', script: 'server.js', instancez: 2 }] }\n",
      'py.config.js': "module.exports = { apps: [{ name: 'py', script: 'app.py', interpreter: 'python-nope' }] }\n",
      'server.js': ENV_SERVER,
      'plain.sh': 'echo hi\n',
      'app.py': 'print(1)\n'
    })
    const r = await runSup(home, args(dir), { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(message)
    expect((await supJson<AppList>(home, ['list'])).apps).toEqual([])
  })
})
