// The deploy ignore rules as git applies them: nested files, later and deeper rules win, `!` re-includes.
import ignore from 'ignore'
import { describe, expect, it } from 'vitest'
import { isIgnoredBy, type RuleSet } from '../../src/pack-dir.ts'

const rules = (base: string, text: string): RuleSet => ({ base, ig: ignore().add(text) })

describe('isIgnoredBy', () => {
  it.each([
    ['a plain name anywhere', [rules('', '*.log')], 'src/debug.log', false, true],
    ['a file no rule names', [rules('', '*.log')], 'src/index.js', false, false],
    ['a directory-only pattern matches the directory', [rules('', 'build/')], 'build', true, true],
    ['a directory-only pattern does not match a file of that name', [rules('', 'build/')], 'build', false, false],
    ['an anchored pattern only at its base', [rules('', '/secret.txt')], 'sub/secret.txt', false, false],
    ['a negation re-includes', [rules('', '*.env\n!example.env')], 'example.env', false, false],
    ['a nested file applies below its directory', [rules('sub', 'local.json')], 'sub/local.json', false, true],
    ['a nested file does not apply elsewhere', [rules('sub', 'local.json')], 'local.json', false, false],
    ['a nested anchored pattern is relative to its directory', [rules('sub', '/x.js')], 'sub/x.js', false, true],
    ['a deeper negation overrides a shallower rule', [rules('', '*.json'), rules('cfg', '!keep.json')], 'cfg/keep.json', false, false],
    ['a later file (.supignore) overrides an earlier one (.gitignore)', [rules('', 'dist/'), rules('', '!dist/')], 'dist', true, false],
    ['.supignore can exclude what git keeps', [rules('', ''), rules('', 'test/\n*.md')], 'README.md', false, true]
  ] as const)('%s', (_what, sets, path, isDir, expected) => {
    expect(isIgnoredBy(sets, path, isDir)).toBe(expected)
  })
})
