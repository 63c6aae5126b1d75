// logicalCwd: the shell's $PWD when it names the working directory through symlinks, else the physical path.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { logicalCwd } from '../../src/logical-cwd.ts'

const dir = mkdtempSync('/tmp/sup-cwd-')
mkdirSync(`${dir}/releases/r1`, { recursive: true })
mkdirSync(`${dir}/other`)
symlinkSync('releases/r1', `${dir}/current`)
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('logicalCwd', () => {
  const physical = `${dir}/releases/r1`
  it('is PWD when it reaches this very directory through a symlink', () => {
    expect(logicalCwd({ PWD: `${dir}/current` }, physical)).toBe(`${dir}/current`)
  })

  it.each([
    ['no PWD', undefined],
    ['a PWD of another directory (stale, or set by hand)', `${dir}/other`],
    ['a relative PWD', 'current'],
    ['a PWD that is not normalized', `${dir}/other/../current`],
    ['a PWD that does not exist', `${dir}/gone`]
  ])('is the physical path with %s', (_what, pwd) => {
    expect(logicalCwd(pwd === undefined ? {} : { PWD: pwd }, physical)).toBe(physical)
  })
})
