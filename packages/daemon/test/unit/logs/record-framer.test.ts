// The record framer: lines cut into `<time> <stream> <bytes>` records, byte for byte, long lines and partials as `>`.
import { describe, it, expect } from 'vitest'
import { createRecordFramer, formatRecord, parseRecord, type LogRecord } from '../../../src/logs/record-framer.ts'

const T0 = Date.parse('2026-11-23T19:57:00.123Z')

function framer (max?: number, now = () => T0) {
  return createRecordFramer(max === undefined ? { stream: 'out', now } : { stream: 'out', now, maxRecordBytes: max })
}

/** Splits what push() returned (each Buffer: one or more whole records) and parses every record. */
function parseAll (buffers: Buffer[]): LogRecord[] {
  const records: LogRecord[] = []
  for (const buf of buffers) {
    if (buf[buf.length - 1] !== 0x0a) throw new Error(`does not end with a whole record: ${buf.toString('latin1')}`)
    for (let at = 0; at < buf.length;) {
      const nl = buf.indexOf(0x0a, at)
      const p = parseRecord(buf.subarray(at, nl + 1))
      if (p === null) throw new Error(`not a record: ${buf.toString('latin1', at, nl)}`)
      records.push(p)
      at = nl + 1
    }
  }
  return records
}

/** Joins continuation records back into lines (what a reader does). */
function join (records: LogRecord[]): Buffer[] {
  const lines: Buffer[] = []
  let acc: Buffer[] = []
  for (const r of records) {
    acc.push(r.bytes)
    if (!r.continues) { lines.push(Buffer.concat(acc)); acc = [] }
  }
  if (acc.length > 0) lines.push(Buffer.concat(acc))
  return lines
}

describe('formatRecord / parseRecord', () => {
  it('writes the documented format', () => {
    expect(formatRecord(T0, 'out', Buffer.from('{"level":30,"msg":"listening"}'), false).toString())
      .toBe('2026-11-23T19:57:00.123Z out {"level":30,"msg":"listening"}\n')
    expect(formatRecord(T0, 'err', Buffer.from('first part'), true).toString()).toBe('2026-11-23T19:57:00.123Z err> first part\n')
    expect(formatRecord(T0, 'sup', Buffer.alloc(0), false).toString()).toBe('2026-11-23T19:57:00.123Z sup \n')
  })

  it.each([
    ['out', false], ['err', true], ['sup', false]
  ] as const)('round-trips stream %s continues=%s', (stream, continues) => {
    const bytes = Buffer.from([0xff, 0xfe, 0x20, 0x0d, 0x00, 0x41, 0x20])
    const p = parseRecord(formatRecord(T0, stream, bytes, continues))
    expect(p).toEqual({ time: T0, stream, continues, bytes })
    expect(parseRecord(formatRecord(T0, stream, bytes, continues).subarray(0, -1))?.bytes).toEqual(bytes) // without '\n'
  })

  it.each(['', 'garbage', 'not-a-date out x', '2026-11-23T19:57:00.123Z', '2026-11-23T19:57:00.123Z out', '2026-11-23T19:57:00.123Z  x'])(
    'rejects %j', (text) => { expect(parseRecord(Buffer.from(text))).toBeNull() })
})

describe('createRecordFramer', () => {
  it('emits one record per complete line and holds the partial', () => {
    const f = framer()
    const recs = parseAll(f.push(Buffer.from('a\nbb\nccc')))
    expect(recs.map((r) => r.bytes.toString())).toEqual(['a', 'bb'])
    expect(recs.every((r) => r.time === T0 && r.stream === 'out' && !r.continues)).toBe(true)
    expect(f.pending()).toBe(3)
    expect(parseAll(f.push(Buffer.from('c\n'))).map((r) => r.bytes.toString())).toEqual(['cccc'])
    expect(f.pending()).toBe(0)
  })

  it('joins a line split over many chunks, byte by byte', () => {
    const f = framer()
    const out: Buffer[] = []
    for (const b of Buffer.from('hello world\nsecond\n')) out.push(...f.push(Buffer.from([b])))
    expect(parseAll(out).map((r) => r.bytes.toString())).toEqual(['hello world', 'second'])
  })

  it('keeps empty lines, \\r and invalid UTF-8 exactly', () => {
    const f = framer()
    const input = Buffer.concat([Buffer.from('\n\r\n'), Buffer.from([0xc3, 0x28, 0x00, 0xff]), Buffer.from('\n')])
    expect(parseAll(f.push(input)).map((r) => r.bytes)).toEqual([Buffer.alloc(0), Buffer.from('\r'), Buffer.from([0xc3, 0x28, 0x00, 0xff])])
  })

  it('stamps each chunk with the time it was read', () => {
    let now = T0
    const f = framer(undefined, () => now)
    const a = parseAll(f.push(Buffer.from('x\ny')))
    now = T0 + 5
    const b = parseAll(f.push(Buffer.from('\n')))
    expect(a[0]?.time).toBe(T0)
    expect(b[0]?.time).toBe(T0 + 5)
  })

  it('cuts a line longer than maxRecordBytes into `>` records; a line of exactly max bytes is one record', () => {
    const f = framer(4)
    const recs = parseAll(f.push(Buffer.from('abcdefghij\nabcd\n')))
    expect(recs.map((r) => [r.bytes.toString(), r.continues])).toEqual([['abcd', true], ['efgh', true], ['ij', false], ['abcd', false]])
  })

  it('never holds more than maxRecordBytes of a line without newline', () => {
    const f = framer(4)
    const out: Buffer[] = []
    for (let i = 0; i < 5; i++) {
      out.push(...f.push(Buffer.from('abc')))
      expect(f.pending()).toBeLessThanOrEqual(4)
    }
    out.push(...f.push(Buffer.from('\n')))
    const recs = parseAll(out)
    expect(recs.slice(0, -1).every((r) => r.continues && r.bytes.length === 4)).toBe(true)
    expect(join(recs)).toEqual([Buffer.from('abc'.repeat(5))])
  })

  it('flushPartial emits the partial as a `>` record, and the line goes on in the next record', () => {
    const f = framer()
    expect(f.flushPartial()).toEqual([])
    f.push(Buffer.from('waiting'))
    const partial = parseAll(f.flushPartial())
    expect(partial).toEqual([{ time: T0, stream: 'out', continues: true, bytes: Buffer.from('waiting') }])
    expect(f.pending()).toBe(0)
    const rest = parseAll(f.push(Buffer.from(' done\n')))
    expect(join([...partial, ...rest])).toEqual([Buffer.from('waiting done')])
  })

  it('labels records with its stream', () => {
    const f = createRecordFramer({ stream: 'err', now: () => T0 })
    expect(Buffer.concat(f.push(Buffer.from('boom\nbang\n'))).toString()).toBe('2026-11-23T19:57:00.123Z err boom\n2026-11-23T19:57:00.123Z err bang\n')
  })

  it.each([1, 7, 1000, 65_536])('reassembles random binary data split at random points (max %i)', (max) => {
    let seed = 42 // xorshift32: deterministic
    const rnd = (n: number): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n }
    const data = Buffer.alloc(200_000)
    for (let i = 0; i < data.length; i++) data[i] = rnd(8) === 0 ? 0x0a : rnd(256)
    const f = framer(max)
    const out: Buffer[] = []
    for (let at = 0; at < data.length;) {
      expect(f.pending()).toBeLessThanOrEqual(max)
      const n = 1 + rnd(5000)
      out.push(...f.push(data.subarray(at, at + n)))
      at += n
    }
    out.push(...f.flushPartial())
    const lines = join(parseAll(out))
    const rebuilt = Buffer.concat(lines.map((l, i) => Buffer.concat([l, Buffer.from(i < lines.length - 1 || data[data.length - 1] === 0x0a ? '\n' : '')])))
    expect(rebuilt.equals(data)).toBe(true) // (toEqual on 200 KB compares byte by byte: slow)
  })

  it('rejects a bad maxRecordBytes', () => {
    expect(() => framer(0)).toThrow(RangeError)
  })
})
