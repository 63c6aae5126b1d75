// `sup start` arguments -> AppSpecInput, and how a start target is read.
import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { classifyTarget, flagName, parseEnvPairs, shellNode, SPEC_FLAGS, specFromArgs } from '../../src/app-spec-args.ts'
import { CliError } from '../../src/errors.ts'

describe('specFromArgs', () => {
  it('resolves the script against the cwd, runs it there (as node and PM2 do) on the node running sup, and sends nothing else by default', () => {
    expect(specFromArgs('app.js', [], {}, '/srv/api')).toEqual({ script: '/srv/api/app.js', cwd: '/srv/api', interpreter: process.execPath })
    expect(specFromArgs('dist/main.js', [], {}, '/srv/api')).toEqual({ script: '/srv/api/dist/main.js', cwd: '/srv/api', interpreter: process.execPath })
    expect(specFromArgs('run.sh', [], {}, '/srv/api')).toEqual({ script: '/srv/api/run.sh', cwd: '/srv/api' })
    expect(specFromArgs('/abs/app.js', [], {}, '/srv')).toEqual({ script: '/abs/app.js', cwd: '/srv', interpreter: process.execPath })
  })

  it('passes numbers and durations as given, for the daemon to validate', () => {
    const spec = specFromArgs('app.js', [], {
      instances: '5', name: 'api', portRange: '8000-8004', restart: 'on-failure', restartDelay: '10s', maxRestartDelay: 'x',
      minUptime: '1m', maxRestarts: '3', restartWindow: '60s', retryIn: '5m', listenTimeout: '8s', killTimeout: '500ms', killSignal: 'SIGINT'
    }, '/srv')
    expect(spec).toEqual({
      script: '/srv/app.js', cwd: '/srv', interpreter: process.execPath, instances: '5', name: 'api', portRange: '8000-8004', restart: 'on-failure', restartDelay: '10s', maxRestartDelay: 'x',
      minUptime: '1m', maxRestarts: '3', restartWindow: '60s', retryIn: '5m', listenTimeout: '8s', killTimeout: '500ms', killSignal: 'SIGINT'
    })
  })

  it('-n max is one worker per CPU, as PM2\'s -i max and an ecosystem file\'s instances: \'max\'', () => {
    expect(specFromArgs('a.js', [], { instances: 'max' }, '/srv').instances).toBe(availableParallelism())
  })

  it('resolves --cwd, parses --env, keeps --wait-ready and app args', () => {
    const spec = specFromArgs('../bin/app.js', ['--port', '3'], { cwd: 'work', env: ['A=1', 'B=x=y'], waitReady: true }, '/srv/api')
    expect(spec).toEqual({ script: '/srv/bin/app.js', cwd: '/srv/api/work', interpreter: process.execPath, env: { A: '1', B: 'x=y' }, waitReady: true, args: ['--port', '3'] })
  })

  it('leaves waitReady out unless set', () => {
    expect(specFromArgs('a.js', [], { waitReady: false }, '/')).not.toHaveProperty('waitReady')
  })
})

describe('parseEnvPairs', () => {
  it('splits at the first = and lets a later pair win', () => {
    expect(parseEnvPairs(['A=1', 'A=2', 'EMPTY=', 'U=a=b'])).toEqual({ A: '2', EMPTY: '', U: 'a=b' })
  })

  it.each(['A', '=1', ''])('refuses %j', (pair) => {
    expect(() => parseEnvPairs([pair])).toThrow(CliError)
  })
})

describe('classifyTarget', () => {
  it.each<[string, boolean, string]>([
    ['apps.json', false, 'config'],
    ['conf/Apps.JSON', true, 'config'],
    ['server.js', true, 'script'],
    ['server.js', false, 'script'],
    ['./api', false, 'script'],
    ['/srv/api', false, 'script'],
    ['bin/server', false, 'script'],
    ['api', true, 'script'],
    ['api', false, 'app'],
    ['web-1.prod', false, 'app'],
    ['Api', false, 'script']
  ])('%s (file: %s) is a %s', (target, isFile, kind) => {
    expect(classifyTarget(target, isFile)).toBe(kind)
  })
})

describe('flags', () => {
  it('spells spec keys as flags', () => {
    expect(flagName('portRange')).toBe('--port-range')
    expect(flagName('maxRestartDelay')).toBe('--max-restart-delay')
    expect(flagName('name')).toBe('--name')
  })

  it('covers every AppSpecInput field but script and args (interpreterArgs as --node-args)', () => {
    expect([...SPEC_FLAGS].sort()).toEqual([
      'cronRestart', 'cwd', 'drain', 'env', 'envFile', 'health', 'healthFailures', 'healthInterval', 'healthTimeout', 'instances', 'interpreter', 'killSignal', 'killTimeout', 'listenTimeout', 'logFiles', 'logMaxSize', 'maxCpu', 'maxMemory', 'maxRestartDelay', 'maxRestarts', 'minUptime',
      'name', 'nodeArgs', 'over', 'port', 'portRange', 'readyAfter', 'restart', 'restartDelay', 'restartWindow', 'retryIn', 'sampleInterval', 'waitReady', 'watch', 'watchIgnore'
    ])
  })

  it("--node-args are split as PM2 splits them, quoted parts kept together", () => {
    expect(specFromArgs('a.js', [], { nodeArgs: '--max-old-space-size=4096 --title "my app"' }, '/srv').interpreterArgs).toEqual(['--max-old-space-size=4096', '--title', 'my app'])
  })
})

describe('shellNode', () => {
  it('is the node running `sup start` for a JavaScript script, and for TypeScript where that node strips types', () => {
    expect(shellNode('/srv/a.js', '/nvm/v22/bin/node', false)).toBe('/nvm/v22/bin/node')
    expect(shellNode('/srv/a.mjs', '/nvm/v22/bin/node', false)).toBe('/nvm/v22/bin/node')
    expect(shellNode('/srv/a.ts', '/nvm/v22/bin/node', false)).toBeUndefined()
    expect(shellNode('/srv/a.ts', '/nvm/v24/bin/node', true)).toBe('/nvm/v24/bin/node')
    expect(shellNode('/srv/run.sh', '/nvm/v22/bin/node', true)).toBeUndefined()
  })
})
