// Path locks for extraction: who runs at once, who waits, in which order, and that nothing stays behind.
import { describe, expect, it } from 'vitest'
import { PathLocks } from '../../../src/deploy/path-locks.ts'

/** Reserves `paths` for a job named `name`; the job records its start and keeps `done` for the test to call. */
function harness () {
  const locks = new PathLocks()
  const started: string[] = []
  const done = new Map<string, () => void>()
  const reserve = (name: string, ...paths: string[]): boolean => locks.reserve(paths, (d) => { started.push(name); done.set(name, d) })
  const finish = (name: string): void => {
    const d = done.get(name)
    if (d === undefined) throw new Error(`${name} never started`)
    d()
  }
  return { locks, started, reserve, finish }
}

describe('PathLocks', () => {
  it('runs entries of different files in one directory at once', () => {
    const h = harness()
    expect(h.reserve('a', 'dir/a.js')).toBe(true)
    expect(h.reserve('b', 'dir/b.js')).toBe(true)
    expect(h.started).toEqual(['a', 'b'])
  })

  it('holds a second entry of the same path until the first is written, then runs them in arrival order', () => {
    const h = harness()
    h.reserve('first', 'x/f')
    expect(h.reserve('second', 'x/f')).toBe(false)
    h.reserve('third', './x//f/')
    expect(h.started).toEqual(['first'])
    h.finish('first')
    expect(h.started).toEqual(['first', 'second'])
    h.finish('second')
    expect(h.started).toEqual(['first', 'second', 'third'])
  })

  it('holds an entry under a directory another entry is writing, and that entry behind the ones under it', () => {
    const h = harness()
    h.reserve('dir', 'a')
    h.reserve('under', 'a/b/c')
    expect(h.started).toEqual(['dir'])
    h.finish('dir')
    expect(h.started).toEqual(['dir', 'under'])
    h.reserve('dir again', 'a/b')
    h.reserve('sibling', 'a/z') // shares `a` with `under`; does not wait for `dir again`
    expect(h.started).toEqual(['dir', 'under', 'sibling'])
    h.finish('under')
    expect(h.started).toEqual(['dir', 'under', 'sibling', 'dir again'])
  })

  it('a link holds its own path and its target', () => {
    const h = harness()
    h.reserve('link', 'l', 't')
    h.reserve('target', 't')
    h.reserve('other', 'o')
    expect(h.started).toEqual(['link', 'other'])
    h.finish('link')
    expect(h.started).toEqual(['link', 'other', 'target'])
  })

  it('treats names that differ only in case or Unicode form as one path (never a race on such a filesystem)', () => {
    const h = harness()
    h.reserve('upper', 'Dir/CAFÉ')
    h.reserve('lower nfd', 'dir/cafe\u0301')
    expect(h.started).toEqual(['upper'])
    h.finish('upper')
    expect(h.started).toEqual(['upper', 'lower nfd'])
  })

  it('keeps nothing once every entry is written: 100,000 entries leave an empty map', () => {
    const locks = new PathLocks()
    let maxSize = 0
    const pending: Array<() => void> = []
    for (let i = 0; i < 100_000; i++) {
      locks.reserve([`d${i % 7}/sub/f${i}`], (done) => pending.push(done))
      maxSize = Math.max(maxSize, locks.size)
      if (pending.length >= 50) pending.shift()?.()
    }
    for (const d of pending.splice(0)) d()
    expect(locks.size).toBe(0)
    expect(maxSize).toBeLessThan(200) // the entries in flight and their parents, not every entry so far
  })

  it('a job that calls done twice releases once', () => {
    const h = harness()
    h.reserve('a', 'p')
    h.reserve('b', 'p')
    h.reserve('c', 'p')
    h.finish('a')
    h.finish('a')
    expect(h.started).toEqual(['a', 'b'])
  })
})
