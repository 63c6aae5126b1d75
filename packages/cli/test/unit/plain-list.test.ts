// Which command lines bin/sup.js sends down `sup list`'s short path; every other one goes to the whole program.
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
