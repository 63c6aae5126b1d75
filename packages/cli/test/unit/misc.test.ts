// Small parsers: the pid file, `--lines`, and the daemon's node arguments.
import { InvalidArgumentError } from 'commander'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseLines } from '../../src/commands/events.ts'
import { nginxInstructions } from '../../src/commands/nginx.ts'
import { daemonArgv, daemonEnvironment, resolveDaemonEntry } from '../../src/daemon-launcher.ts'
import { canHaveWritten, isAlive, parsePid, processStartMs, procStartTicks, procState } from '../../src/pid-file.ts'

describe('parsePid', () => {
  it.each<[string, number | undefined]>([['1234\n', 1234], ['  77', 77], ['', undefined], ['abc', undefined], ['0', undefined], ['-5', undefined]])('%j -> %s', (text, pid) => {
    expect(parsePid(text)).toBe(pid)
  })

  it('sees this process alive', () => {
    expect(isAlive(process.pid)).toBe(true)
  })
})

describe('parseLines', () => {
  it('accepts 1..10000', () => {
    expect(parseLines('1')).toBe(1)
    expect(parseLines(' 50 ')).toBe(50)
    expect(parseLines('10000')).toBe(10_000)
  })

  it.each(['0', '10001', '-1', '1.5', 'x', ''])('refuses %j', (value) => {
    expect(() => parseLines(value)).toThrow(InvalidArgumentError)
  })
})

describe('daemonEnvironment', () => {
  it('makes a relative SUP_HOME absolute against the CLI\'s cwd (the daemon runs in /) and drops NODE_EXTRA_CA_CERTS', () => {
    expect(daemonEnvironment({ SUP_HOME: './h', NODE_EXTRA_CA_CERTS: '/ca.pem', A: '1' }, '/srv/ops')).toEqual({ SUP_HOME: '/srv/ops/h', A: '1' })
    expect(daemonEnvironment({ SUP_HOME: '/abs/h' }, '/srv')).toEqual({ SUP_HOME: '/abs/h' })
    expect(daemonEnvironment({ A: '1' }, '/srv')).toEqual({ A: '1' })
  })

  it("leaves the shell's NODE_OPTIONS to the app and gives the daemon SUP_NODE_OPTIONS", () => {
    expect(daemonEnvironment({ NODE_OPTIONS: '-r dotenv/config --inspect', A: '1' }, '/srv')).toEqual({ A: '1' })
    expect(daemonEnvironment({ NODE_OPTIONS: '--inspect', SUP_NODE_OPTIONS: '--require=/opt/x.cjs' }, '/srv'))
      .toEqual({ NODE_OPTIONS: '--require=/opt/x.cjs', SUP_NODE_OPTIONS: '--require=/opt/x.cjs' })
    expect(daemonEnvironment({ NODE_OPTIONS: '--inspect', SUP_NODE_OPTIONS: ' ' }, '/srv')).toEqual({ SUP_NODE_OPTIONS: ' ' })
  })

  it("drops a worker's identity when an app runs sup: a daemon it starts is no part of that worker's tree", () => {
    expect(daemonEnvironment({ SUP_HOME: '/h', SUP_MARKER: 'sup-1:web:0:x', SUP_APP: 'web', SUP_INSTANCE: '0', A: '1' }, '/srv')).toEqual({ SUP_HOME: '/h', A: '1' })
  })
})

describe('daemon entry', () => {
  it('honours SUP_DAEMON_ENTRY, resolved against the cwd', () => {
    expect(resolveDaemonEntry({ SUP_DAEMON_ENTRY: 'dist/main.js' }, '/srv/sup')).toBe('/srv/sup/dist/main.js')
  })

  it('finds the daemon the built CLI carries from its ESM bundle and from the CommonJS list.cjs alike', () => {
    const carried = fileURLToPath(new URL('../../bundle/daemon/main.js', import.meta.url))
    expect(existsSync(carried)).toBe(true) // built by `pnpm build`, before the tests
    for (const file of ['bin.js', 'list.cjs']) {
      expect(resolveDaemonEntry({}, '/', new URL(`../../bundle/${file}`, import.meta.url).href)).toBe(carried)
    }
  })

  it('runs the daemon with a small young generation (its idle RSS), a built entry with no other flag', () => {
    expect(daemonArgv('/x/dist/main.js')).toEqual(['--max-semi-space-size=1', '/x/dist/main.js'])
    expect(daemonArgv('/x/src/main.ts')[0]).toBe('--max-semi-space-size=1')
    expect(daemonArgv('/x/src/main.ts').at(-1)).toBe('/x/src/main.ts')
  })
})

describe('procStartTicks, processStartMs, canHaveWritten', () => {
  it('reads field 22 of a stat line, whatever the command name holds', () => {
    const rest = 'S 1 2 3 0 -1 4194560 10 0 0 0 5 6 0 0 20 0 7 0 123456 1000 50'
    expect(procStartTicks(`42 (node) ${rest}`)).toBe(123456)
    expect(procStartTicks(`42 (a ) b (c) ${rest}`)).toBe(123456)
    expect(procStartTicks('42 (node) S 1 2')).toBeUndefined()
  })

  it('this process started before now, and within the time it has run', () => {
    const started = processStartMs(process.pid) ?? 0
    expect(started).toBeLessThanOrEqual(Date.now() + 1_000)
    expect(started).toBeGreaterThan(Date.now() - process.uptime() * 1000 - 2_000)
  })

  it('a process started after the pid file was written (a recycled pid) cannot have written it', () => {
    expect(canHaveWritten(10_000, 10_000)).toBe(true)
    expect(canHaveWritten(10_900, 10_000)).toBe(true) // boot time is rounded to the second
    expect(canHaveWritten(12_000, 10_000)).toBe(false)
    expect(canHaveWritten(undefined, 10_000)).toBe(true)
    expect(canHaveWritten(12_000, undefined)).toBe(true)
  })
})

describe('procState', () => {
  it('reads the state after the command, even with spaces and parens in it', () => {
    expect(procState('123 (node) S 1 123 123 0 -1')).toBe('S')
    expect(procState('123 (a (b) c) Z 1 2')).toBe('Z')
    expect(procState('')).toBeUndefined()
  })
})

describe('sup nginx', () => {
  it('tells how to let sup reload nginx the way that lasts: sup config (a SUP_ variable holds for one daemon only)', () => {
    const lines = nginxInstructions('web', { upstreamPath: '/h/nginx/web.conf', server: 'server {}\n' })
    expect(lines.join('\n')).toContain("sup config set nginx.reload 'nginx -s reload'")
    expect(lines.join('\n')).not.toContain('SUP_NGINX_RELOAD')
    expect(lines.at(-1)).toBe('server {}')
  })
})
