// Records parsed as docs/logs.md writes them, and `>` continuations joined forwards (follow) and backwards (tail).
import { describe, expect, it } from 'vitest'
import { createBackwardJoiner, createForwardJoiner, MAX_LINE_BYTES, parseRecord, type LogLine, type ParsedRecord } from '../../../src/logs/log-lines.ts'

const T0 = Date.parse('2026-11-23T19:57:00.123Z')
const raw = (text: string): Buffer => Buffer.from(text, 'latin1')
const rec = (time: number, kind: string, bytes: string | Buffer): ParsedRecord => {
  const r = parseRecord(Buffer.concat([raw(`${new Date(time).toISOString()} ${kind} `), Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes)]))
  if (r === null) throw new Error('bad record')
  return r
}
const text = (lines: LogLine[]): string[] => lines.map((l) => `${l.stream}:${l.line.toString()}`)

describe('parseRecord', () => {
  it.each<[string, Partial<ParsedRecord> & { text: string }]>([
    ['2026-11-23T19:57:00.123Z out {"level":30,"msg":"listening"}', { stream: 'out', continues: false, text: '{"level":30,"msg":"listening"}' }],
    ['2026-11-23T19:57:00.123Z err Error: boom', { stream: 'err', continues: false, text: 'Error: boom' }],
    ['2026-11-23T19:57:00.123Z out> first part', { stream: 'out', continues: true, text: 'first part' }],
    ['2026-11-23T19:57:00.123Z err> x', { stream: 'err', continues: true, text: 'x' }],
    ['2026-11-23T19:57:00.123Z sup dropped 3 line(s) while the disk was full', { stream: 'sup', continues: false, text: 'dropped 3 line(s) while the disk was full' }],
    ['2026-11-23T19:57:00.123Z out ', { stream: 'out', continues: false, text: '' }],
    ['2026-11-23T19:57:00.123Z out  two  spaces ', { stream: 'out', continues: false, text: ' two  spaces ' }]
  ])('%j', (line, want) => {
    const r = parseRecord(raw(line))
    expect(r).toMatchObject({ time: T0, stream: want.stream, continues: want.continues })
    expect(r?.bytes.toString()).toBe(want.text)
  })

  it('keeps the bytes exactly: binary, invalid UTF-8, NUL, CR', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xc3])
    expect(rec(T0, 'out', bytes).bytes.equals(bytes)).toBe(true)
  })

  it.each(['', 'hello world', 'not-a-time out x', '2026-11-23T19:57:00.123Z', '2026-11-23T19:57:00.123Z bad x', '2026-11-23T19:57:00.123Z out>> x', '2026-11-23T19:57:00.123Z info x', ' 2026-11-23T19:57:00.123Z out x'])('refuses %j', (line) => {
    expect(parseRecord(raw(line))).toBeNull()
  })
})

describe('forward joiner (follow)', () => {
  it('joins continuations per stream, even when the other stream interleaves', () => {
    const j = createForwardJoiner({})
    const out = [rec(T0, 'out>', 'hel'), rec(T0 + 1, 'err', 'E'), rec(T0 + 2, 'out>', 'lo '), rec(T0 + 3, 'out', 'world')].map((r) => j.push(r)).filter((l) => l !== null)
    expect(text(out)).toEqual(['err:E', 'out:hello world'])
    expect(out[1]?.time).toBe(T0 + 3)
  })

  it('filters by stream (sup notes go with neither) and since', () => {
    const j = createForwardJoiner({ stream: 'err', since: T0 + 1 })
    const out = [rec(T0, 'err', 'old'), rec(T0 + 1, 'out', 'o'), rec(T0 + 2, 'sup', 's'), rec(T0 + 3, 'err', 'new')].map((r) => j.push(r)).filter((l) => l !== null)
    expect(text(out)).toEqual(['err:new'])
  })

  it('cuts a line longer than MAX_LINE_BYTES to its head, with a note', () => {
    const j = createForwardJoiner({})
    const piece = Buffer.alloc(64 * 1024, 'a')
    const n = Math.ceil(MAX_LINE_BYTES / piece.length) + 3
    let line: LogLine | null = null
    for (let i = 0; i < n; i++) line = j.push(rec(T0, i === n - 1 ? 'out' : 'out>', piece))
    expect(line?.line.subarray(0, MAX_LINE_BYTES).equals(Buffer.alloc(MAX_LINE_BYTES, 'a'))).toBe(true)
    expect(line?.line.subarray(MAX_LINE_BYTES).toString()).toBe(` … [line cut: ${n * piece.length} bytes]`)
  })
})

describe('backward joiner (tail)', () => {
  /** Records oldest first, fed newest first, as a tail reads them. */
  function tail (records: ParsedRecord[], n: number, filter = {}): LogLine[] {
    const j = createBackwardJoiner(filter, n)
    for (const r of [...records].reverse()) {
      j.push(r)
      if (j.isDone()) break
    }
    return j.finish()
  }
  const records = [rec(T0, 'out', 'a'), rec(T0 + 1, 'out>', 'b1 '), rec(T0 + 2, 'err', 'E1'), rec(T0 + 3, 'out>', 'b2 '), rec(T0 + 4, 'out', 'b3'), rec(T0 + 5, 'err', 'E2'), rec(T0 + 6, 'sup', 'note')]

  it('gives the newest n lines oldest first, continuations joined', () => {
    expect(text(tail(records, 10))).toEqual(['out:a', 'err:E1', 'out:b1 b2 b3', 'err:E2', 'sup:note'])
    expect(text(tail(records, 3))).toEqual(['out:b1 b2 b3', 'err:E2', 'sup:note'])
    expect(text(tail(records, 1))).toEqual(['sup:note'])
    expect(tail(records, 0)).toEqual([])
  })

  it('orders lines by their last record', () => {
    expect(tail(records, 4).map((l) => l.time - T0)).toEqual([2, 4, 5, 6])
  })

  it('filters by stream and since', () => {
    expect(text(tail(records, 10, { stream: 'out' }))).toEqual(['out:a', 'out:b1 b2 b3'])
    expect(text(tail(records, 10, { stream: 'err' }))).toEqual(['err:E1', 'err:E2'])
    expect(text(tail(records, 10, { since: T0 + 4 }))).toEqual(['out:b1 b2 b3', 'err:E2', 'sup:note'])
  })

  it('shows an unfinished newest line as it is', () => {
    expect(text(tail([...records, rec(T0 + 7, 'out>', 'prompt> ')], 2))).toEqual(['sup:note', 'out:prompt> '])
  })

  it('cuts a line longer than MAX_LINE_BYTES to its head, like the follower', () => {
    const piece = Buffer.alloc(64 * 1024, 'a')
    const n = Math.ceil(MAX_LINE_BYTES / piece.length) + 3
    const long = Array.from({ length: n }, (_, i) => rec(T0, i === n - 1 ? 'out' : 'out>', i === 0 ? Buffer.concat([Buffer.from('HEAD'), piece.subarray(4)]) : piece))
    const [line] = tail([rec(T0, 'out', 'before'), ...long], 1)
    expect(line?.line.subarray(0, 4).toString()).toBe('HEAD')
    expect(line?.line.subarray(MAX_LINE_BYTES).toString()).toBe(` … [line cut: ${n * piece.length} bytes]`)
  })
})
