// PM2 ecosystem apps mapped to sup's input: every supported key, ports from env.PORT, unsupported keys warned, unknown refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { appsOf, readConfigFile } from '../../src/config-file.ts'
import { mapPm2App } from '../../src/ecosystem.ts'

const FILE = '/srv/app/ecosystem.config.js'
const map = (app: Record<string, unknown>, envName?: string) => mapPm2App(app, 'apps[0]', ['portRange', 'health', 'maxCpu', 'over', 'port', 'killSignal'], envName)

describe('mapPm2App', () => {
  it('maps every PM2 key sup runs with', () => {
    const { spec, unsupported } = map({
      name: 'api', script: 'server.js', args: '--verbose "two words"', cwd: 'srv', instances: 4, exec_mode: 'fork',
      interpreter: 'python3', interpreter_args: '-u', node_args: ['--inspect'], max_memory_restart: '300M', cron_restart: '0 3 * * *',
      watch: 'src', ignore_watch: ['tmp'], max_restarts: 7, min_uptime: '5s', restart_delay: 200, kill_timeout: 3000,
      listen_timeout: 9000, wait_ready: true, autorestart: false
    })
    expect(unsupported).toEqual([])
    expect(spec).toEqual({
      name: 'api', script: 'server.js', args: ['--verbose', 'two words'], cwd: 'srv', instances: 4, interpreter: 'python3',
      interpreterArgs: ['--inspect', '-u'], maxMemory: '300M', cronRestart: '0 3 * * *', watch: ['src'], watchIgnore: ['tmp'],
      maxRestarts: 7, minUptime: '5s', restartDelay: 200, killTimeout: 3000, listenTimeout: 9000, waitReady: true, restart: 'never', port: false,
      killSignal: 'SIGINT'
    })
  })

  it("stops with SIGINT, PM2's stop signal (its documented graceful stop handles SIGINT), unless sup's killSignal says", () => {
    expect(map({ script: 'w.js' }).spec).toMatchObject({ killSignal: 'SIGINT' })
    expect(map({ script: 'w.js', killSignal: 'SIGTERM' }).spec).toMatchObject({ killSignal: 'SIGTERM' })
  })

  it('turns env.PORT (+ increment_var) into a port range, and env_<name> over env with --env <name>', () => {
    const { spec, notes } = map({ script: 's.js', instances: 3, exec_mode: 'cluster', increment_var: 'PORT', env: { PORT: 3000, NODE_ENV: 'dev' }, env_production: { NODE_ENV: 'production' } }, 'production')
    expect(spec).toMatchObject({ portRange: '3000-3002', env: { NODE_ENV: 'production' } })
    expect(spec).not.toHaveProperty('port')
    expect(notes.join('\n')).toMatch(/cluster/)
  })

  it('a cluster app of several instances that names no port gets a port per worker from the pool (PM2 shares one)', () => {
    const { spec, notes } = map({ name: 'web', script: 's.js', instances: 2, exec_mode: 'cluster' })
    expect(spec).not.toHaveProperty('port')
    expect(spec).not.toHaveProperty('portRange')
    expect(notes.join('\n')).toMatch(/each on its own port from the daemon's pool \(PORT\)/)
    expect(map({ script: 's.js', instances: 1, exec_mode: 'cluster' }).spec).toMatchObject({ port: false })
    expect(map({ script: 's.js', instances: 2, exec_mode: 'cluster', port: false }).spec).toMatchObject({ port: false })
  })

  it('an app that names no port does not listen; sup keys win', () => {
    expect(map({ script: 'w.js' }).spec).toMatchObject({ port: false })
    expect(map({ script: 'w.js', portRange: '9000-9003', health: '/h' }).spec).toMatchObject({ portRange: '9000-9003', health: '/h' })
    expect(map({ script: 'w.js', portRange: '9000-9003' }).spec).not.toHaveProperty('port')
  })

  it("lists PM2 keys sup ignores, and 'max' instances is the CPU count", () => {
    const { spec, unsupported } = map({ script: 's.js', out_file: '/x', error_file: '/y', merge_logs: true, instances: 'max', increment_var: 'WORKER_ID' })
    expect(unsupported).toEqual(['out_file', 'error_file', 'merge_logs', "increment_var 'WORKER_ID' (only PORT)"])
    expect(typeof spec.instances).toBe('number')
  })

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown key', { script: 's.js', instancez: 2 }, /apps\[0\] has an unknown key 'instancez'/],
    ['a bad exec_mode', { script: 's.js', exec_mode: 'thread' }, /exec_mode 'thread'/],
    ['a bad PORT', { script: 's.js', env: { PORT: 'http' } }, /env.PORT 'http' is not a port number/],
    ['a bad env', { script: 's.js', env: { A: { b: 1 } } }, /env.A must be a string/]
  ])('refuses %s', (_name, app, message) => {
    expect(() => map(app)).toThrow(message)
  })
})

describe('appsOf', () => {
  it('reads a PM2 file: scripts resolved against the file, bare commands in PATH (run by the file), sup keys mixed in', () => {
    const warned: string[] = []
    const specs = appsOf({
      apps: [
        { name: 'web', script: './server.js', env: { PORT: 8100 }, health: '/healthz', out_file: 'x' },
        { name: 'npm', script: 'node', args: 'start' },
        { name: 'api', script: 'node', args: 'start', cwd: 'api' }
      ]
    }, FILE, { pm2: true, path: process.env.PATH, warn: (l) => warned.push(l) })
    const node = process.execPath.replace(/\/[^/]+$/, '/node')
    expect(specs[0]).toEqual({ name: 'web', script: '/srv/app/server.js', interpreter: process.execPath, cwd: '/srv/app', portRange: '8100-8100', health: '/healthz', killSignal: 'SIGINT' })
    expect(specs[1]).toEqual({ name: 'npm', script: node, args: ['start'], cwd: '/srv/app', port: false, killSignal: 'SIGINT' })
    expect(specs[2]).toEqual({ name: 'api', script: node, args: ['start'], cwd: '/srv/app/api', port: false, killSignal: 'SIGINT' })
    expect(warned).toEqual(["sup: app 'web': PM2 keys sup does not support, ignored: out_file"])
  })

  it('keeps the sup meaning of a plain JSON app (a port from the pool), PM2 meaning once it uses a PM2 key', () => {
    expect(appsOf({ apps: [{ script: 'a.js' }] }, '/srv/sup.json')).toEqual([{ script: '/srv/a.js', interpreter: process.execPath, cwd: '/srv' }])
    expect(appsOf({ apps: [{ script: 'a.js', kill_timeout: 100 }] }, '/srv/sup.json')).toEqual([{ script: '/srv/a.js', interpreter: process.execPath, cwd: '/srv', killTimeout: 100, port: false, killSignal: 'SIGINT' }])
  })

  it('--only picks apps and names a missing one; a missing interpreter is refused', () => {
    const doc = { apps: [{ name: 'a', script: 'a.js' }, { name: 'b', script: 'b.js' }] }
    expect(appsOf(doc, FILE, { pm2: true, only: 'b' }).map((s) => s.name)).toEqual(['b'])
    expect(() => appsOf(doc, FILE, { pm2: true, only: 'b,c' })).toThrow(/has no app named 'c'/)
    expect(() => appsOf({ apps: [{ script: 'a.py', interpreter: 'python-nope' }] }, FILE, { pm2: true, path: '/usr/bin' })).toThrow(/interpreter 'python-nope' not found in PATH/)
  })

  it("PM2's interpreter 'none' runs the script as is, 'node' is node (this shell's for a .js script), whichever key names it", () => {
    const app = (script: string, extra: Record<string, unknown>) => appsOf({ apps: [{ name: 'w', script, ...extra }] }, FILE, { pm2: true, path: '/usr/bin' })[0]
    for (const key of ['interpreter', 'exec_interpreter']) {
      expect(app('/usr/bin/sleep', { args: '1000', [key]: 'none' })).toEqual({ name: 'w', script: '/usr/bin/sleep', cwd: '/srv/app', args: ['1000'], port: false, killSignal: 'SIGINT' })
      expect(app('/srv/app/server.mjs', { [key]: 'node' })).toEqual({ name: 'w', script: '/srv/app/server.mjs', interpreter: process.execPath, cwd: '/srv/app', port: false, killSignal: 'SIGINT' })
      expect(app('/srv/app/bin/www', { [key]: 'node' })).toEqual({ name: 'w', script: '/srv/app/bin/www', cwd: '/srv/app', interpreter: '/usr/bin/node', port: false, killSignal: 'SIGINT' })
    }
  })
})

describe('readConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sup-eco-unit-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each([
    ['ecosystem.config.js', "module.exports = { apps: [{ name: 'w', script: 'w.js' }] }"],
    ['ecosystem.config.cjs', "module.exports = { apps: [{ name: 'w', script: 'w.js' }] }"],
    ['ecosystem.config.mjs', "export default { apps: [{ name: 'w', script: 'w.js' }] }"],
    ['ecosystem.yaml', 'apps:\n  - name: w\n    script: w.js\n'],
    ['ecosystem.json', '{ "apps": [{ "name": "w", "script": "w.js", "exec_mode": "fork" }] }']
  ])('reads %s', async (name, text) => {
    writeFileSync(join(dir, name), text)
    expect(await readConfigFile(name, dir)).toEqual([{ name: 'w', script: join(dir, 'w.js'), interpreter: process.execPath, cwd: dir, port: false, killSignal: 'SIGINT' }])
  })

  it('names the file when it does not load', async () => {
    writeFileSync(join(dir, 'broken.config.js'), 'module.exports = {')
    await expect(readConfigFile('broken.config.js', dir)).rejects.toThrow(/Cannot load .*broken\.config\.js/)
    writeFileSync(join(dir, 'broken.yaml'), 'apps: [')
    await expect(readConfigFile('broken.yaml', dir)).rejects.toThrow(/broken\.yaml is not valid YAML/)
  })
})
