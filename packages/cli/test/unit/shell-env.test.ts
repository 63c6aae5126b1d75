// What of the caller's environment `sup start` sends, dotenv files, `+N`/`-N` and `app:i` targets.
import { describe, expect, it } from 'vitest'
import { targetCount } from '../../src/commands/scale.ts'
import { parseEnvFile } from '../../src/env-file.ts'
import { parseEnv } from 'node:util'
import { shellEnvironment } from '../../src/shell-env.ts'
import { defaultAppName, parseAppTarget } from '../../src/targets.ts'

describe('shellEnvironment', () => {
  it("sends the whole environment but sup's own SUP_* variables, per-shell noise and the pnpm shim's NODE_PATH", () => {
    expect(shellEnvironment({
      DATABASE_URL: 'x', PATH: '/bin', SUP_HOME: '/h', SUP_TOKEN: 't', PWD: '/w', OLDPWD: '/', SHLVL: '2', _: '/usr/bin/sup',
      NODE_PATH: '/repo/node_modules/.pnpm/node_modules:/opt/lib', UNDEF: undefined
    })).toEqual({ DATABASE_URL: 'x', PATH: '/bin', NODE_PATH: '/opt/lib' })
    expect(shellEnvironment({ NODE_PATH: '/repo/node_modules/.pnpm/x/node_modules' })).toEqual({})
  })
})

describe('parseEnvFile', () => {
  it('reads KEY=value lines, export, comments and quotes', () => {
    expect(parseEnvFile('# c\nA=1\nexport B = two words # note\nC="x=y\\nz"\nD=\'$raw\'\n\nE=', '.env'))
      .toEqual({ A: '1', B: 'two words', C: 'x=y\nz', D: '$raw', E: '' })
  })

  it('names the bad line, not its text', () => {
    expect(() => parseEnvFile('A=1\nsecret-token-value\n', '.env')).toThrow(/^\.env:2 is not KEY=value$/)
    expect(() => parseEnvFile('A=1\nKEY="-----BEGIN KEY-----\nsecret\n', '.env')).toThrow(/^\.env:2 opens a "-quoted value that never closes$/)
    expect(() => parseEnvFile('A="x" secret\n', '.env')).toThrow(/^\.env:1 has text after its quoted value$/)
  })

  // what Node reads (util.parseEnv, --env-file) from a file it and sup both accept: multi-line quoted values (PEM keys)
  const VALID = [
    '# a comment', 'export A=plain', 'B="double # not a comment"', "C='single $HOME'", 'D=unquoted # trailing comment',
    'PEM="-----BEGIN KEY-----', 'MIIB', '-----END KEY-----"', "S='one", "two'", 'T=`back "tick" \'q\'`', 'U="a\\nb"',
    'V=${A}-not-expanded', 'W=', 'X = spaced ', 'Y="quoted" # comment', 'Z=a=b', ''
  ].join('\n')

  it('reads multi-line quoted values and backticks as Node does', () => {
    expect(parseEnvFile(VALID, '.env')).toEqual({
      A: 'plain', B: 'double # not a comment', C: 'single $HOME', D: 'unquoted', PEM: '-----BEGIN KEY-----\nMIIB\n-----END KEY-----',
      S: 'one\ntwo', T: 'back "tick" \'q\'', U: 'a\nb', V: '${A}-not-expanded', W: '', X: 'spaced', Y: 'quoted', Z: 'a=b'
    })
  })

  it('reads \\" in a double-quoted value as a quote (Node would end the value there)', () => {
    expect(parseEnvFile('Q="say \\"hi\\"" # c\nR="a\\"\nb"', '.env')).toEqual({ Q: 'say "hi"', R: 'a"\nb' })
  })

  it('agrees with util.parseEnv of this Node on a file both accept', () => {
    expect(parseEnvFile(VALID, '.env')).toEqual(parseEnv(VALID))
    expect(parseEnvFile(VALID.replace(/\n/g, '\r\n'), '.env')).toEqual(parseEnv(VALID.replace(/\n/g, '\r\n')))
  })
})

describe('targets', () => {
  it.each<[string, number, number | string]>([['+2', 3, 5], ['-1', 3, 2], ['4', 3, '4']])('scale %s from %i is %s', (text, current, wanted) => {
    expect(targetCount(text, current)).toBe(wanted)
  })

  it('refuses to scale below one worker', () => {
    expect(() => targetCount('-3', 3)).toThrow(/cannot scale from 3 to 0/)
  })

  it('reads app:i', () => {
    expect(parseAppTarget('api')).toEqual({ app: 'api' })
    expect(parseAppTarget('api:3')).toEqual({ app: 'api', instance: 3 })
    expect(() => parseAppTarget('api:x')).toThrow(/<app>:<instance>/)
  })

  it('names an app as the daemon does', () => {
    expect(defaultAppName('/srv/loop.sh')).toBe('loop')
    expect(defaultAppName('/srv/server.js')).toBe('server')
  })
})
