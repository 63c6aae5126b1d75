// SpawnSpec: what a worker is started with — env (PORT, SUP_*, the app's --env), command, log file.
import { describe, expect, it } from 'vitest'
import { normalizeAppSpec, type AppSpecInput } from '../../../src/core/app-spec.ts'
import { buildSpawnSpec, commandOf } from '../../../src/runtime/spawn-spec.ts'

const app = (input: Partial<AppSpecInput> = {}) =>
  normalizeAppSpec({ name: 'api', script: '/srv/api/server.js', env: { NODE_ENV: 'production' }, ...input }, { portPool: { from: 8000, to: 8999 } })
const OUT = { stdoutPath: '/h/logs/.pipes/api-0.out', stderrPath: '/h/logs/.pipes/api-0.err' }
const BASE = { PATH: '/usr/bin', HOME: '/home/u', SUP_HOME: '/home/u/.sup', SUP_MARKER: 'old', SUP_PORT_POOL: '8000-8999', SUP_DAEMON_ENTRY: '/x.js', SUP_LOG_LEVEL: 'debug' }

describe('buildSpawnSpec', () => {
  it('gives every worker PORT, SUP_APP, SUP_INSTANCE, NODE_APP_INSTANCE and the app env', () => {
    const s = buildSpawnSpec(app(), 2, 8002, 'm-1', OUT, BASE)
    expect(s.env).toMatchObject({ PORT: '8002', SUP_APP: 'api', SUP_INSTANCE: '2', NODE_APP_INSTANCE: '2', NODE_ENV: 'production', PATH: '/usr/bin' })
  })

  it("keeps the daemon's own SUP_MARKER, SUP_PORT_POOL and SUP_DAEMON_ENTRY out of workers; SUP_HOME is the daemon's home", () => {
    const { env } = buildSpawnSpec(app(), 0, 8000, 'm-1', OUT, BASE)
    for (const k of ['SUP_MARKER', 'SUP_PORT_POOL', 'SUP_DAEMON_ENTRY']) expect(env).not.toHaveProperty(k)
    expect(env.SUP_HOME).toBe('/home/u/.sup') // a `sup` the app runs reaches this daemon
    expect(env.SUP_LOG_LEVEL).toBe('debug')
    const { SUP_HOME: _home, ...noHome } = BASE
    expect(buildSpawnSpec(app(), 0, 8000, 'm-1', OUT, noHome).env).not.toHaveProperty('SUP_HOME')
  })

  it('layers base < shell environment < --env < what sup sets', () => {
    const spec = app({ shellEnv: { PATH: '/shell/bin', DATABASE_URL: 'x', NODE_ENV: 'dev', SUP_HOME: '/other' }, env: { NODE_ENV: 'production', SUP_HOME: '/mine' } })
    const { env } = buildSpawnSpec(spec, 1, 8001, 'm', OUT, BASE)
    expect(env).toMatchObject({ PATH: '/shell/bin', HOME: '/home/u', DATABASE_URL: 'x', NODE_ENV: 'production', PORT: '8001', SUP_APP: 'api', SUP_INSTANCE: '1', NODE_APP_INSTANCE: '1' })
    expect(env.SUP_HOME).toBe('/home/u/.sup') // neither the shell's nor --env's
  })

  it('gives a --no-port worker no PORT, not even one from the shell', () => {
    const { env } = buildSpawnSpec(app({ port: false, shellEnv: { PORT: '3000' } }), 0, null, 'm', OUT, BASE)
    expect(env.PORT).toBe('3000')
    expect(buildSpawnSpec(app({ port: false }), 0, null, 'm', OUT, BASE).env).not.toHaveProperty('PORT')
  })

  it('replaces $PORT and $SUP_INSTANCE in arguments, without a shell', () => {
    const s = buildSpawnSpec(app({ script: '/usr/bin/python3', args: ['-m', 'http.server', '$PORT', '--tag=${SUP_INSTANCE}', '$PORTS', '$HOME'] }), 2, 8002, 'm', OUT, {})
    expect(s).toMatchObject({ command: '/usr/bin/python3', args: ['-m', 'http.server', '8002', '--tag=2', '$PORTS', '$HOME'] })
  })

  it('runs the script with its interpreter and interpreter args', () => {
    const s = buildSpawnSpec(app({ script: '/srv/app.py', interpreter: '/usr/bin/python3', interpreterArgs: ['-u'], args: ['x'] }), 0, 8000, 'm', OUT, {})
    expect(s).toMatchObject({ command: '/usr/bin/python3', args: ['-u', '/srv/app.py', 'x'] })
    const n = buildSpawnSpec(app({ interpreterArgs: ['--max-old-space-size=100'] }), 0, 8000, 'm', OUT, {})
    expect(n).toMatchObject({ command: process.execPath, args: ['--max-old-space-size=100', '/srv/api/server.js'] })
  })

  it.each(['/srv/a.js', '/srv/a.mjs', '/srv/a.cjs'])('runs %s with node itself, script first, then the app args', (script) => {
    const s = buildSpawnSpec(app({ script, args: ['--flag', 'v'] }), 0, 8000, 'm', OUT, {})
    expect(s.command).toBe(process.execPath)
    expect(s.args).toEqual([script, '--flag', 'v'])
  })

  it('runs a .ts/.mts/.cts script with node where node strips types (22.18+), else as an executable', () => {
    for (const script of ['/srv/a.ts', '/srv/a.mts', '/srv/a.cts']) {
      const spec = app({ script, args: ['x'] })
      expect(commandOf(spec, ['x'], true)).toEqual({ command: process.execPath, args: [script, 'x'] })
      expect(commandOf(spec, ['x'], false)).toEqual({ command: script, args: ['x'] })
    }
  })

  it('runs any other file as an executable', () => {
    const s = buildSpawnSpec(app({ script: '/srv/bin/server', args: ['-p'] }), 0, 8000, 'm', OUT, {})
    expect(s).toMatchObject({ command: '/srv/bin/server', args: ['-p'] })
  })

  it('carries app, instance, cwd, marker, log path and IPC for --wait-ready', () => {
    const s = buildSpawnSpec(app({ waitReady: true, cwd: '/srv' }), 3, 8003, 'sup-x:api:3:abc', OUT, {})
    expect(s).toMatchObject({ app: 'api', instance: 3, cwd: '/srv', marker: 'sup-x:api:3:abc', stdoutPath: OUT.stdoutPath, stderrPath: OUT.stderrPath, ipc: true })
    expect(buildSpawnSpec(app(), 0, 8000, 'm', OUT, {}).ipc).toBe(false)
  })
})
