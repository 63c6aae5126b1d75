// Which command lines bin/sup.js sends down `sup list`'s short path; every other one goes to the whole program.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isPlainList } from '../../src/plain-list.ts'

describe('isPlainList', () => {
  it.each<[string[], boolean]>([
    [['list'], true],
    [['ls'], true],
    [['list', '--json'], true],
    [['ls', '--json', '--json'], true],
    [[], false],
    [['list', '--help'], false],
    [['list', '-h'], false],
    [['list', '--jsn'], false],
    [['list', 'web'], false],
    [['--json', 'list'], false],
    [['lsit'], false],
    [['show', '--json'], false]
  ])('%j -> %s', (args, plain) => {
    expect(isPlainList(args)).toBe(plain)
  })
})

describe("`sup list`'s files", () => {
  it('load neither node:child_process (needed only to spawn a daemon) nor node:http (streams and uploads only): ~8 ms of every list each', () => {
    const bundle = fileURLToPath(new URL('../../bundle/', import.meta.url))
    const loaded = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(`${bundle}plain-list.cjs`)}); require(${JSON.stringify(`${bundle}list.cjs`)}); process.stdout.write(process.moduleLoadList.join('\\n'))`], { encoding: 'utf8' }).split('\n')
    expect(loaded).toContain('NativeModule net') // what a list does need: the test sees what was loaded
    expect(loaded).not.toContain('NativeModule child_process')
    expect(loaded).not.toContain('NativeModule http')
  })
})
