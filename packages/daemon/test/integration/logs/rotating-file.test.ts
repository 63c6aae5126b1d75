// The size-capped log file on real files: the rotation chain, files=1, oversized lines, new limits, a full disk.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { describe, it, expect, onTestFinished } from 'vitest'
import { homeDirs, tinyDiskHome } from './logs-support.ts'
import { openRotatingFile, type RotatingFile, type RotatingWriteError } from '../../../src/logs/rotating-file.ts'

function open (path: string, maxSize: number, files: number): RotatingFile {
  const f = openRotatingFile(path, { maxSize, files })
  onTestFinished(() => f.close())
  return f
}

const lines = (from: number, to: number, width = 9): Buffer =>
  Buffer.from(Array.from({ length: to - from }, (_, i) => `${String(from + i).padStart(width, '0')}\n`).join(''))

describe('openRotatingFile', () => {
  it('creates the file with mode 0600 and continues an existing one', () => {
    const path = `${homeDirs().logsDir}/a.log`
    const f = open(path, 1000, 3)
    f.write(Buffer.from('one\n'))
    expect(statSync(path).mode & 0o777).toBe(0o600)
    f.close()
    const again = open(path, 1000, 3)
    expect(again.size()).toBe(4)
    again.write(Buffer.from('two\n'))
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\n')
  })

  it('a file whose writer died in a write (part of a line at its end): the part is cut off before the next line', () => {
    const path = `${homeDirs().logsDir}/torn.log`
    writeFileSync(path, `one\ntwo\n${'t'.repeat(70_000)}`) // a torn tail longer than one read of the end
    const f = open(path, 1_000_000, 3)
    expect(f.size()).toBe(8)
    f.write(Buffer.from('three\n'))
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\nthree\n')
    writeFileSync(`${path}-2`, 'no line end at all')
    open(`${path}-2`, 1000, 3).write(Buffer.from('first\n'))
    expect(readFileSync(`${path}-2`, 'utf8')).toBe('first\n')
  })

  it('shifts .log -> .log.1 -> .log.2 before a write would pass maxSize, deleting the oldest; lines never split', () => {
    const path = `${homeDirs().logsDir}/b.log`
    const f = open(path, 100, 3) // 10 lines of 10 bytes a file
    for (let i = 0; i < 57; i += 3) f.write(lines(i, Math.min(i + 3, 57)))
    expect([path, `${path}.1`, `${path}.2`].map((p) => statSync(p).size)).toEqual([70, 100, 100])
    expect(existsSync(`${path}.3`)).toBe(false)
    expect(readFileSync(`${path}.2`, 'utf8') + readFileSync(`${path}.1`, 'utf8') + readFileSync(path, 'utf8')).toBe(lines(30, 57).toString())
    expect(f.size()).toBe(70)
  })

  it('splits one big batch across files at line boundaries', () => {
    const path = `${homeDirs().logsDir}/c.log`
    const f = open(path, 95, 4) // 9 lines of 10 bytes fit, not 10
    f.write(lines(0, 30))
    expect([`${path}.3`, `${path}.2`, `${path}.1`, path].map((p) => readFileSync(p, 'utf8'))).toEqual(
      [lines(0, 9), lines(9, 18), lines(18, 27), lines(27, 30)].map(String))
  })

  it('puts a line longer than maxSize alone in a fresh file (the "+ one line" of the cap)', () => {
    const path = `${homeDirs().logsDir}/d.log`
    const f = open(path, 50, 3)
    f.write(Buffer.from('short\n'))
    f.write(Buffer.from(`${'x'.repeat(80)}\nafter\n`))
    expect(readFileSync(`${path}.2`, 'utf8')).toBe('short\n')
    expect(readFileSync(`${path}.1`, 'utf8')).toBe(`${'x'.repeat(80)}\n`)
    expect(readFileSync(path, 'utf8')).toBe('after\n')
  })

  it('files=1 keeps the one file, emptied when full', () => {
    const path = `${homeDirs().logsDir}/e.log`
    const f = open(path, 100, 1)
    f.write(lines(0, 10))
    f.write(lines(10, 12))
    expect(readFileSync(path, 'utf8')).toBe(lines(10, 12).toString())
    expect(existsSync(`${path}.1`)).toBe(false)
  })

  it('setLimits: fewer files deletes the surplus now; a smaller maxSize rotates at the next write', () => {
    const path = `${homeDirs().logsDir}/f.log`
    const f = open(path, 20, 5)
    f.write(lines(0, 10))
    expect(existsSync(`${path}.4`)).toBe(true)
    writeFileSync(`${path}.9`, 'left by an older setting\n')
    f.setLimits({ maxSize: 20, files: 2 })
    expect(['.1', '.2', '.3', '.4', '.9'].map((s) => existsSync(`${path}${s}`))).toEqual([true, false, false, false, false])
    f.setLimits({ maxSize: 10, files: 2 })
    f.write(lines(10, 11))
    expect(readFileSync(path, 'utf8')).toBe(lines(10, 11).toString())
    expect(() => f.setLimits({ maxSize: 0, files: 2 })).toThrow(RangeError)
  })

  it('on a full disk throws ENOSPC, leaves only whole lines on disk and says how many bytes made it', (ctx) => {
    const dirs = tinyDiskHome()
    if (dirs === null) { ctx.skip(); return }
    const path = `${dirs.logsDir}/g.log`
    const f = open(path, 100 * 1024 * 1024, 2)
    const batch = lines(0, 100_000, 99) // 10 MB of 100-byte lines into 2 MiB
    let err: RotatingWriteError | undefined
    try { f.write(batch) } catch (e) { err = e as RotatingWriteError }
    expect(err?.code).toBe('ENOSPC')
    const onDisk = readFileSync(path)
    expect(onDisk.length).toBe(err?.bytesWritten) // a short write was truncated away
    expect(onDisk.length % 100).toBe(0)
    expect(onDisk.equals(batch.subarray(0, onDisk.length))).toBe(true)
    expect(f.size()).toBe(onDisk.length)
  })
})
