// AppSpec: boundary input validated once, defaults applied, units in ms; bad input names the field.
import { describe, expect, it } from 'vitest'
import { DEFAULT_TIMING, nameFromScript, normalizeAppSpec, validateName, type AppSpecInput } from '../../../src/core/app-spec.ts'

const POOL = { portPool: { from: 8000, to: 8999 } }
const spec = (input: Partial<AppSpecInput> = {}) => normalizeAppSpec({ script: '/srv/api/server.js', ...input }, POOL)

describe('normalizeAppSpec', () => {
  it('applies the documented defaults', () => {
    expect(spec()).toEqual({
      name: 'server', script: '/srv/api/server.js', args: [], interpreter: null, interpreterArgs: [], cwd: '/srv/api', instances: 1, portRange: { from: 8000, to: 8999 },
      hasPort: true, readyAfterMs: 1000, env: {}, shellEnv: {}, logMaxSize: 10 * 1024 * 1024, logFiles: 5, health: null, drainMs: 1000, watch: null, watchIgnore: [], restart: 'always', restartDelayMs: 100, maxRestartDelayMs: 15_000, minUptimeMs: 10_000, maxRestarts: 10,
      restartWindowMs: 60_000, retryInMs: 300_000, listenTimeoutMs: 8_000, killTimeoutMs: 5_000, killSignal: 'SIGTERM', waitReady: false,
      maxMemory: null, maxCpu: null, over: { count: 3, of: 5 }, sampleIntervalMs: 1_000, cronRestart: null
    })
    expect(DEFAULT_TIMING.listenTimeoutMs).toBe(8_000)
  })

  it('converts human units to ms and counts from strings', () => {
    expect(spec({ instances: '4', restartDelay: '250ms', maxRestartDelay: '30s', minUptime: '2s', maxRestarts: '5', restartWindow: '2m', retryIn: '1h', listenTimeout: 3000, killTimeout: '1.5s' }))
      .toMatchObject({ instances: 4, restartDelayMs: 250, maxRestartDelayMs: 30_000, minUptimeMs: 2_000, maxRestarts: 5, restartWindowMs: 120_000, retryInMs: 3_600_000, listenTimeoutMs: 3_000, killTimeoutMs: 1_500 })
  })

  it('keeps name, args, cwd, env, port range and wait-ready as given', () => {
    expect(spec({ name: 'api', args: ['--x', '1'], cwd: '/srv', env: { NODE_ENV: 'production' }, portRange: '8000-8004', waitReady: true }))
      .toMatchObject({ name: 'api', args: ['--x', '1'], cwd: '/srv', env: { NODE_ENV: 'production' }, portRange: { from: 8000, to: 8004 }, waitReady: true })
  })

  it.each([['term', 'SIGTERM'], ['SIGINT', 'SIGINT'], ['sigusr2', 'SIGUSR2'], ['KILL', 'SIGKILL']])('kill signal %j → %s', (input, signal) => {
    expect(spec({ killSignal: input }).killSignal).toBe(signal)
  })

  it('raises the default maxRestartDelay to a restartDelay above it', () => {
    expect(spec({ restartDelay: '20s' }).maxRestartDelayMs).toBe(20_000)
  })

  it('runs a script at the root of the filesystem with cwd /', () => {
    expect(spec({ script: '/server.js' }).cwd).toBe('/')
  })

  it.each<[string, Partial<AppSpecInput>, string]>([
    ['instances 0', { instances: 0 }, 'instances'],
    ['instances -1', { instances: -1 }, 'instances'],
    ["instances 'x'", { instances: 'x' }, 'instances'],
    ['instances 1.5', { instances: 1.5 }, 'instances'],
    ['instances 1001', { instances: 1001 }, 'instances'],
    ["portRange '70000'", { portRange: '70000' }, 'portRange'],
    ["portRange '80-90'", { portRange: '80-90' }, 'portRange'],
    ["portRange '9000-8000'", { portRange: '9000-8000' }, 'portRange'],
    ['restartDelay -5', { restartDelay: -5 }, 'restartDelay'],
    ["restartDelay '-5'", { restartDelay: '-5' }, 'restartDelay'],
    ["restartDelay '5 minutes'", { restartDelay: '5 minutes' }, 'restartDelay'],
    ['maxRestartDelay below restartDelay', { restartDelay: '2s', maxRestartDelay: '1s' }, 'maxRestartDelay'],
    ['maxRestarts -1', { maxRestarts: -1 }, 'maxRestarts'],
    ['restartWindow 0', { restartWindow: 0 }, 'restartWindow'],
    ['retryIn 0', { retryIn: '0s' }, 'retryIn'],
    ['listenTimeout 0', { listenTimeout: 0 }, 'listenTimeout'],
    ["killTimeout 'soon'", { killTimeout: 'soon' }, 'killTimeout'],
    ["restart 'sometimes'", { restart: 'sometimes' }, 'restart'],
    ["killSignal 'SIGSTOP'", { killSignal: 'SIGSTOP' }, 'killSignal'],
    ["name 'API'", { name: 'API' }, 'name'],
    ["name 'all' (reserved)", { name: 'all' }, 'name'],
    ['name of 65 chars', { name: 'a'.repeat(65) }, 'name'],
    ['relative script', { script: 'server.js' }, 'script'],
    ['relative cwd', { cwd: 'srv' }, 'cwd'],
    ['env key with a dash', { env: { 'BAD-KEY': '1' } }, 'env'],
    ['PORT in the env of a port app', { env: { PORT: '1234' } }, 'env'],
    ['SUP_INSTANCE in the env', { env: { SUP_INSTANCE: '3' } }, 'env'],
    ['a NUL byte in an env value', { env: { TOKEN: 'a\0b' } }, 'env'],
    ['a NUL byte in the shell env', { shellEnv: { TOKEN: 'a\0b' } }, 'shellEnv'],
    ['a relative interpreter', { interpreter: 'python3' }, 'interpreter'],
    ['a port range without a port', { port: false, portRange: '8000-8001' }, 'portRange'],
    ['a health check without a port', { port: false, health: '/h' }, 'health'],
    ['readyAfter not below listenTimeout', { port: false, readyAfter: '9s' }, 'readyAfter']
  ])('refuses %s with SUP_ERR_INVALID_SPEC naming the field', (_what, input, field) => {
    expect(() => spec(input)).toThrow(expect.objectContaining({ code: 'SUP_ERR_INVALID_SPEC', statusCode: 400, message: expect.stringContaining(`Invalid ${field}:`) }))
  })
})

describe('the environment', () => {
  it('never puts an env value in an error message', () => {
    expect(() => spec({ env: { TOKEN: 'secret-value\0' } })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret-value') }))
  })

  it('allows PORT for a --no-port app (it sets no PORT itself)', () => {
    expect(spec({ port: false, env: { PORT: '1234' } })).toMatchObject({ hasPort: false, env: { PORT: '1234' } })
  })
})

describe('names', () => {
  it.each([
    ['/srv/api/server.js', 'server'], ['/srv/My App.mjs', 'my-app'], ['/srv/worker.cjs', 'worker'], ['/srv/x/run', 'run'], ['/srv/loop.sh', 'loop'], ['/srv/app.py', 'app'], ['/usr/bin/python3', 'python3'],
    ['/srv/.hidden.js', 'hidden'], ['/srv/all.js', 'app'], ['/srv/___.js', 'app'], [`/srv/${'b'.repeat(80)}.js`, 'b'.repeat(64)]
  ])('the default name of %s is %s, and it is valid', (script, name) => {
    expect(nameFromScript(script)).toBe(name)
    expect(validateName(nameFromScript(script))).toBe(name)
  })

  it.each(['api', 'a', 'web-1', 'my_app.v2', '0day'])('%s is a valid name', (name) => {
    expect(validateName(name)).toBe(name)
  })

  it.each(['', '-api', '.api', 'Api', 'a b', 'a/b', '../x', 'all'])('%j is not a valid name', (name) => {
    expect(() => validateName(name, 'app')).toThrow(expect.objectContaining({ code: 'SUP_ERR_INVALID_SPEC', message: expect.stringContaining('Invalid app:') }))
  })

  it.each([['API Server', "e.g. 'api-server'"], ['MyApp', "e.g. 'myapp'"], ['../x', "e.g. 'x'"], ['-', ''], ['ALL', '']])('%j is refused with a valid name to use: %j', (name, hint) => {
    const err = (() => { try { validateName(name) } catch (e) { return e as Error } })()
    if (hint === '') expect(err?.message).not.toMatch(/e\.g\./)
    else expect(err?.message).toContain(hint)
  })
})

describe('health and drain', () => {
  const base = { script: '/srv/api/server.js' }
  const pool = { portPool: { from: 8000, to: 8999 } }
  it('applies the health defaults (5 s, 2 s, 3 failures) and the 1 s drain', () => {
    expect(normalizeAppSpec({ ...base, health: '/healthz' }, pool)).toMatchObject({ health: { path: '/healthz', intervalMs: 5000, timeoutMs: 2000, failures: 3 }, drainMs: 1000 })
  })
  it.each([
    ['health', { health: 'healthz' }],
    ['health', { health: '/a b' }],
    ['healthFailures', { health: '/h', healthFailures: 0 }],
    ['healthInterval', { health: '/h', healthInterval: '10ms' }],
    ['drain', { drain: '-1s' }]
  ])('refuses a bad %s', (field, input) => {
    expect(() => normalizeAppSpec({ ...base, ...input }, pool)).toThrow(new RegExp(field))
  })
})
