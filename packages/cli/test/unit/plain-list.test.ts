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
  it('load neither node:child_process (needed only to spawn a daemon) nor node:http (streams and uploads only) nor node:fs/promises: ~8, ~6 and ~2.5 ms of every list', () => {
    const bundle = fileURLToPath(new URL('../../bundle/', import.meta.url))
    const modules = (code: string): string[] => execFileSync(process.execPath, ['-e', `${code}; const loaded = process.moduleLoadList.join('\\n'); process.stdout.write(loaded)`], { encoding: 'utf8' }).split('\n')
    const bare = new Set(modules('')) // read before process.stdout (a pipe here, which loads node:net) is touched
    const added = modules(`require(${JSON.stringify(`${bundle}plain-list.cjs`)}); require(${JSON.stringify(`${bundle}list.cjs`)})`).filter((m) => !bare.has(m))
    expect(added).toContain('NativeModule net') // what a list does need: the test sees what was loaded
    for (const unwanted of ['child_process', 'http', 'fs/promises']) expect(added).not.toContain(`NativeModule ${unwanted}`)
  })
})
