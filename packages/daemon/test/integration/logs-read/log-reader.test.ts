// readTail / readLastRecords on real files: backwards in chunks, across rotated files, continuations, filters.
import { appendFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tmpDir } from '@sup/test-support'
import { CHUNK_BYTES, readLastRecords, readTail } from '../../../src/logs/log-reader.ts'
import { appendNumbered, openFds, record, T0 } from './support.ts'

const texts = (lines: Array<{ line: Buffer }>): string[] => lines.map((l) => l.line.toString())

describe('readLastRecords', () => {
  it('gives the last n lines oldest first, with their time and stream', async () => {
    const path = join(tmpDir(), 'api-0.log')
    appendNumbered(path, 0, 100)
    const lines = await readLastRecords(path, 3)
    expect(texts(lines)).toEqual(['line 97', 'line 98', 'line 99'])
    expect(lines[0]).toMatchObject({ time: T0 + 97, stream: 'out' })
  })

  it('gives every line when the log has fewer, and none for n = 0 or a missing file', async () => {
    const dir = tmpDir()
    appendNumbered(join(dir, 'api-0.log'), 0, 4)
    expect(texts(await readLastRecords(join(dir, 'api-0.log'), 20))).toEqual(['line 0', 'line 1', 'line 2', 'line 3'])
    expect(await readLastRecords(join(dir, 'api-0.log'), 0)).toEqual([])
    expect(await readTail(join(dir, 'nope-0.log'), 5)).toEqual({ lines: [], position: null })
  })

  it('reads across chunk boundaries: lines of every size around 64 KiB', async () => {
    const path = join(tmpDir(), 'api-0.log')
    const sizes = [1, CHUNK_BYTES - 40, 5, CHUNK_BYTES - 33, CHUNK_BYTES + 7, 0, 3 * 1000, CHUNK_BYTES * 2 - 1, 17]
    const lines = sizes.map((n, i) => `${i}:${'x'.repeat(n)}`)
    appendFileSync(path, Buffer.concat(lines.map((l, i) => record(T0 + i, 'out', l))))
    expect(texts(await readLastRecords(path, sizes.length))).toEqual(lines)
    expect(texts(await readLastRecords(path, 4))).toEqual(lines.slice(-4))
  })

  it('continues into the rotated files, newest (.1) first, and skips a gzipped or foreign file', async () => {
    const dir = tmpDir()
    const path = join(dir, 'api-0.log')
    appendNumbered(`${path}.2`, 0, 10)
    appendNumbered(`${path}.1`, 10, 10)
    appendNumbered(path, 20, 3)
    writeFileSync(`${path}.3.gz`, 'not text')
    writeFileSync(join(dir, 'api-0.log.bak'), 'x')
    expect(texts(await readLastRecords(path, 15))).toEqual(Array.from({ length: 15 }, (_, i) => `line ${i + 8}`))
    expect(texts(await readLastRecords(path, 100))).toHaveLength(23)
  })

  it('joins a line whose records span a rotation, and interleaved out/err continuations', async () => {
    const dir = tmpDir()
    const path = join(dir, 'api-0.log')
    appendFileSync(`${path}.1`, Buffer.concat([record(T0, 'out', 'first'), record(T0 + 1, 'out>', 'long '), record(T0 + 2, 'err>', 'E-a ')]))
    appendFileSync(path, Buffer.concat([record(T0 + 3, 'out>', 'line '), record(T0 + 4, 'err', 'E-b'), record(T0 + 5, 'out', 'end')]))
    const lines = await readLastRecords(path, 10)
    expect(lines.map((l) => `${l.stream}:${l.line.toString()}`)).toEqual(['out:first', 'err:E-a E-b', 'out:long line end'])
    expect(texts(await readLastRecords(path, 1))).toEqual(['long line end'])
  })

  it('leaves out a record still being written, and says where a follower starts', async () => {
    const path = join(tmpDir(), 'api-0.log')
    appendNumbered(path, 0, 3)
    const complete = statSync(path).size
    appendFileSync(path, '2026-11-23T19:57:01.000Z out half a rec')
    const tail = await readTail(path, 10)
    expect(texts(tail.lines)).toEqual(['line 0', 'line 1', 'line 2'])
    expect(tail.position).toEqual({ ino: statSync(path).ino, offset: complete })
  })

  it('filters by stream and by time', async () => {
    const path = join(tmpDir(), 'api-0.log')
    appendFileSync(path, Buffer.concat([record(T0, 'out', 'o1'), record(T0 + 10, 'err', 'e1'), record(T0 + 20, 'out', 'o2'), record(T0 + 30, 'sup', 'note'), record(T0 + 40, 'err', 'e2')]))
    expect(texts(await readLastRecords(path, 10, { stream: 'err' }))).toEqual(['e1', 'e2'])
    expect(texts(await readLastRecords(path, 1, { stream: 'out' }))).toEqual(['o2'])
    expect(texts(await readLastRecords(path, 10, { since: T0 + 20 }))).toEqual(['o2', 'note', 'e2'])
    expect(texts(await readLastRecords(path, 2, { since: T0 + 5 }))).toEqual(['note', 'e2'])
  })

  it('keeps binary and invalid UTF-8 byte for byte, and skips torn lines', async () => {
    const path = join(tmpDir(), 'api-0.log')
    const bytes = Buffer.from([0xff, 0x00, 0x1b, 0x5b, 0x32, 0x4a, 0xc3, 0x28, 0x09])
    appendFileSync(path, Buffer.concat([record(T0, 'out', 'a'), Buffer.from('garbage without a time\n'), record(T0 + 1, 'out', bytes)]))
    const lines = await readLastRecords(path, 5)
    expect(lines).toHaveLength(2)
    expect(lines[1]?.line.equals(bytes)).toBe(true)
  })

  it('reads the end of a 50 MB log fast, in bounded memory, and closes every file', async () => {
    const path = join(tmpDir(), 'api-0.log')
    for (let i = 0; i < 50; i++) appendNumbered(path, i * 10_000, 10_000, { pad: 70 }) // ~100 bytes a record
    expect(statSync(path).size).toBeGreaterThan(45_000_000)
    const fds = openFds()
    const heap = process.memoryUsage().arrayBuffers
    const started = performance.now()
    const lines = await readLastRecords(path, 1000)
    expect(performance.now() - started).toBeLessThan(1000)
    expect(process.memoryUsage().arrayBuffers - heap).toBeLessThan(10_000_000)
    expect(lines).toHaveLength(1000)
    expect(lines[999]?.line.toString()).toBe(`line 499999${'.'.repeat(70)}`)
    expect(openFds()).toBe(fds)
  })

  it('sees each file once when a rotation happens between two reads', async () => {
    const dir = tmpDir()
    const path = join(dir, 'api-0.log')
    appendNumbered(path, 0, 5)
    const before = await readTail(path, 3)
    renameSync(path, `${path}.1`)
    appendNumbered(path, 5, 2)
    expect(texts(await readLastRecords(path, 4))).toEqual(['line 3', 'line 4', 'line 5', 'line 6'])
    expect(before.position?.ino).toBe(statSync(`${path}.1`).ino)
  })
})
