// Config files: shape checks with clear errors, paths resolved against the file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig, readConfigFile } from '../../src/config-file.ts'

const FILE = '/srv/deploy/sup.json'
const parse = (doc: unknown): unknown => parseConfig(JSON.stringify(doc), FILE)

describe('parseConfig', () => {
  it('resolves relative paths against the file, the script against the app cwd when given; else the app runs by the file', () => {
    expect(parse({
      apps: [
        { script: 'api/server.js', instances: 4, restartDelay: '10s' },
        { name: 'worker', cwd: 'jobs', script: 'run.js', args: ['-v'], waitReady: true },
        { script: '/abs/x.js', cwd: '/abs' }
      ]
    })).toEqual([
      { script: '/srv/deploy/api/server.js', interpreter: process.execPath, cwd: '/srv/deploy', instances: 4, restartDelay: '10s' },
      { name: 'worker', cwd: '/srv/deploy/jobs', script: '/srv/deploy/jobs/run.js', interpreter: process.execPath, args: ['-v'], waitReady: true },
      { script: '/abs/x.js', cwd: '/abs', interpreter: process.execPath }
    ])
  })

  it('turns number and boolean env values into strings', () => {
    expect(parse({ apps: [{ script: 'a.js', env: { PORT_BASE: 3000, DEBUG: true, NAME: 'x' } }] }))
      .toEqual([{ script: '/srv/deploy/a.js', interpreter: process.execPath, cwd: '/srv/deploy', env: { PORT_BASE: '3000', DEBUG: 'true', NAME: 'x' } }])
  })

  it.each<[string, unknown, RegExp]>([
    ['not an object', [], /must be \{ "apps"/],
    ['no apps', {}, /must be \{ "apps"/],
    ['empty apps', { apps: [] }, /at least one app/],
    ['an app that is not an object', { apps: ['a.js'] }, /apps\[0\] must be an object/],
    ['no script', { apps: [{ name: 'x' }] }, /apps\[0\] needs a "script"/],
    ['an unknown key', { apps: [{ script: 'a.js', instance: 2 }] }, /apps\[0\] has an unknown key 'instance'/],
    ['a wrong type', { apps: [{ script: 'a.js' }, { script: 'b.js', instances: true }] }, /apps\[1\]\.instances must be a number or a string/],
    ['bad args', { apps: [{ script: 'a.js', args: [1] }] }, /args must be an array of strings/],
    ['bad env', { apps: [{ script: 'a.js', env: { A: { b: 1 } } }] }, /env must be an object of string values/],
    ['bad waitReady', { apps: [{ script: 'a.js', waitReady: 'yes' }] }, /waitReady must be true or false/]
  ])('refuses %s', (_name, doc, message) => {
    expect(() => parse(doc)).toThrow(message)
  })

  it('names the file on a JSON syntax error', () => {
    expect(() => parseConfig('{ apps: ', FILE)).toThrow(/\/srv\/deploy\/sup\.json is not valid JSON/)
  })
})

describe('readConfigFile', () => {
  it('reads a file relative to the cwd, and says when it is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sup-cli-'))
    try {
      await writeFile(join(dir, 'apps.json'), JSON.stringify({ apps: [{ script: 'a.js' }] }))
      await expect(readConfigFile('apps.json', dir)).resolves.toEqual([{ script: join(dir, 'a.js'), interpreter: process.execPath, cwd: dir }])
      await expect(readConfigFile('none.json', dir)).rejects.toThrow(/does not exist/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
