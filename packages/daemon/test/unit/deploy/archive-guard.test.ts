// The archive guard, entry by entry: where an entry may land, which types and modes pass, where a symlink may point.
import { describe, expect, it } from 'vitest'
import { checkEntry, isLinkInside, isNpmPackLayout, pathSegments, quoteEntry, type EntryHeader } from '../../../src/deploy/archive-guard.ts'

const file = (path: string, extra: Partial<EntryHeader> = {}): EntryHeader => ({ path, type: 'File', mode: 0o644, ...extra })
const check = (e: EntryHeader, strip = false, depth = 64) => checkEntry(e, strip, depth)
const reason = (e: EntryHeader, strip = false, depth = 64): string => {
  const v = check(e, strip, depth)
  return v.kind === 'refuse' ? v.reason : `not refused: ${v.kind}`
}

describe('pathSegments', () => {
  it('drops empty and . segments, refuses ..', () => {
    expect(pathSegments('./a//b/./c/')).toEqual(['a', 'b', 'c'])
    expect(pathSegments('.')).toEqual([])
    expect(pathSegments('a/../b')).toBeNull()
    expect(pathSegments('..')).toBeNull()
    expect(pathSegments('a/..b/c..')).toEqual(['a', '..b', 'c..'])
  })
})

describe('checkEntry: paths', () => {
  it('extracts plain files and dirs at their normalized path, with their depth', () => {
    expect(check(file('./src/index.js'))).toEqual({ kind: 'extract', path: 'src/index.js', depth: 2 })
    expect(check({ path: 'lib/', type: 'Directory', mode: 0o755 })).toEqual({ kind: 'extract', path: 'lib', depth: 1 })
    expect(check(file('a', { type: 'OldFile' })).kind).toBe('extract')
    expect(check(file('a', { type: 'ContiguousFile' })).kind).toBe('extract')
  })

  it('skips the root dir itself; a non-dir at the root is refused', () => {
    expect(check({ path: './', type: 'Directory' })).toEqual({ kind: 'skip' })
    expect(reason(file('.'))).toBe('not a directory at the archive root')
  })

  it('refuses absolute paths (unix and drive letters), backslashes, NUL bytes and ..', () => {
    expect(reason(file('/etc/passwd'))).toBe('absolute path')
    expect(reason(file('C:/x'))).toBe('absolute path')
    expect(reason(file('a\\..\\..\\x'))).toBe('absolute path')
    expect(reason(file('a\0b'))).toBe('NUL byte in the path')
    expect(reason(file('../x'))).toBe("'..' in the path")
    expect(reason(file('a/b/../../../x'))).toBe("'..' in the path")
  })

  it('refuses a path deeper than the limit as too large; at the limit it passes', () => {
    const deep = Array.from({ length: 5 }, (_, i) => `d${i}`).join('/')
    expect(check(file(deep), false, 5).kind).toBe('extract')
    expect(check(file(`${deep}/x`), false, 5)).toEqual({ kind: 'refuse', reason: 'path deeper than 5 levels', tooLarge: true })
  })
})

describe('checkEntry: types and modes', () => {
  it.each([
    ['Link', 'hard links are not allowed'],
    ['CharacterDevice', 'device files are not allowed'],
    ['BlockDevice', 'device files are not allowed'],
    ['FIFO', 'FIFOs are not allowed'],
    ['GNUDumpDir', 'entry type GNUDumpDir is not allowed'],
    ['Unsupported', 'entry type Unsupported is not allowed']
  ])('refuses %s', (type, why) => {
    expect(reason(file('x', { type }))).toBe(why)
  })

  it('refuses setuid and setgid bits; other modes pass', () => {
    expect(reason(file('x', { mode: 0o4755 }))).toBe('setuid/setgid bit set')
    expect(reason(file('x', { mode: 0o2755 }))).toBe('setuid/setgid bit set')
    expect(check(file('x', { mode: 0o1777 })).kind).toBe('extract')
    expect(check(file('x', { mode: undefined })).kind).toBe('extract')
  })
})

describe('symlinks', () => {
  const link = (path: string, linkpath: string): EntryHeader => ({ path, type: 'SymbolicLink', linkpath, mode: 0o777 })

  it('relative links that stay inside pass (node_modules/.bin style)', () => {
    expect(check(link('node_modules/.bin/tsc', '../typescript/bin/tsc'))).toEqual({ kind: 'extract', path: 'node_modules/.bin/tsc', depth: 3 })
    expect(check(link('a', 'b/c')).kind).toBe('extract')
    expect(check(link('a/b', '..')).kind).toBe('extract')
    expect(check(link('a', './b')).kind).toBe('extract')
  })

  it('refuses absolute, empty, climbing-out, backslash and NUL targets', () => {
    for (const target of ['/etc/passwd', '', '..', '../x', 'a/../../x', '..\\x', 'a\0b']) {
      expect(reason(link('a', target)), target).toMatch(/^symlink pointing outside the release/)
    }
    expect(reason(link('a/b', '../../x'))).toMatch(/^symlink pointing outside/)
  })

  it('refuses `..` after a name: `a -> .` then `b -> a/..` would climb out through the first link', () => {
    expect(isLinkInside(['a'], '.')).toBe(true)
    expect(isLinkInside(['b'], 'a/..')).toBe(false)
    expect(isLinkInside(['d', 'b'], '../a/../c')).toBe(false)
    expect(isLinkInside(['d', 'b'], '../../x')).toBe(false)
    expect(isLinkInside(['d', 'e', 'b'], '../../x/y')).toBe(true)
  })

  it('in an npm pack archive the link is judged from the stripped root', () => {
    expect(check(link('package/a', '../x'), true).kind).toBe('refuse')
    expect(check(link('package/lib/a', '../x'), true)).toEqual({ kind: 'extract', path: 'lib/a', depth: 2 })
  })
})

describe('npm pack layout', () => {
  it('is recognized by the first entry and stripped; entries outside package/ are refused', () => {
    expect(isNpmPackLayout('package/package.json')).toBe(true)
    expect(isNpmPackLayout('./package/')).toBe(true)
    expect(isNpmPackLayout('packages/x')).toBe(false)
    expect(isNpmPackLayout('server.js')).toBe(false)
    expect(check(file('package/server.js'), true)).toEqual({ kind: 'extract', path: 'server.js', depth: 1 })
    expect(check({ path: 'package/', type: 'Directory' }, true)).toEqual({ kind: 'skip' })
    expect(reason(file('other/server.js'), true)).toBe('outside package/ in an npm pack archive')
    expect(reason(file('package/../x'), true)).toBe("'..' in the path")
  })
})

describe('quoteEntry', () => {
  it('quotes, escapes control characters and bounds the length', () => {
    expect(quoteEntry('a\nb')).toBe('"a\\nb"')
    expect(quoteEntry('x'.repeat(300))).toBe(`"${'x'.repeat(200)}…"`)
  })
})
