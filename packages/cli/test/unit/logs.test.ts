// `sup logs` formatting: the stable coloured prefix, terminal-safe text, and the --lines / --since parsers.
import { InvalidArgumentError } from 'commander'
import { describe, expect, it } from 'vitest'
import type { EventView, LogRecord } from '@sup/protocol'
import { parseLogLines, parseSince } from '../../src/commands/logs.ts'
import { createPalette } from '../../src/render/format.ts'
import { createLogFormatter, renderEventLine, sanitizeLine, workerColor } from '../../src/render/logs.ts'

const rec = (app: string, instance: number, line: string, stream: LogRecord['stream'] = 'out'): LogRecord => ({ time: 0, app, instance, stream, line })
const plain = createPalette(false)
const color = createPalette(true)

describe('sanitizeLine', () => {
  it.each<[string, string]>([
    ['plain text', 'plain text'],
    ['tab\tstays', 'tab\tstays'],
    ['\u001b[31mred\u001b[0m', '\\e[31mred\\e[0m'],
    ['over\rwrite', 'over\\rwrite'],
    ['bell\u0007 nul\u0000 del\u007f', 'bell\\x07 nul\\x00 del\\x7f'],
    ['c1 csi \u009b2J', 'c1 csi \\x9b2J'],
    ['bidi \u202eevil\u2069', 'bidi \\u202eevil\\u2069'],
    ['{"msg":"héllo €","n":1}', '{"msg":"héllo €","n":1}'],
    ['bad utf8 \ufffd', 'bad utf8 \ufffd']
  ])('%j -> %j', (line, shown) => {
    expect(sanitizeLine(line)).toBe(shown)
  })

  it.each<[string, string]>([
    ['\u001b[31mred\u001b[0m', '\u001b[31mred\u001b[0m'],
    ['\u001b[1;38;5;208mbold orange\u001b[m', '\u001b[1;38;5;208mbold orange\u001b[m'],
    ['clear \u001b[2J home \u001b[H', 'clear \\e[2J home \\e[H'],
    ['title \u001b]0;pwned\u0007', 'title \\e]0;pwned\\x07'],
    ['over\rwrite \u001b[31m', 'over\\rwrite \u001b[31m']
  ])('with --color-output, only colour passes: %j -> %j', (line, shown) => {
    expect(sanitizeLine(line, true)).toBe(shown)
  })
})

describe('workerColor', () => {
  it('is the same for the same worker, and spreads workers over the palette', () => {
    expect(workerColor('api:0')).toBe(workerColor('api:0'))
    const used = new Set(Array.from({ length: 40 }, (_, i) => workerColor(`app${i}:${i % 4}`)))
    expect(used.size).toBeGreaterThanOrEqual(6)
    expect([...used].some((c) => c.startsWith('red'))).toBe(false)
  })
})

describe('createLogFormatter', () => {
  it('prefixes `app:i |`, padded to the widest worker seen, without colour when off', () => {
    const format = createLogFormatter(plain)
    expect(format(rec('api', 0, 'hello'))).toBe('api:0 | hello')
    expect(format(rec('worker', 12, 'x'))).toBe('worker:12 | x')
    expect(format(rec('api', 1, 'y'))).toBe('api:1     | y')
  })

  it('colours the prefix by worker (stable) and marks stderr and sup notes', () => {
    const format = createLogFormatter(color)
    const line = format(rec('api', 0, 'hello'))
    expect(line).toBe(`${color[workerColor('api:0')]('api:0')} ${color.dim('|')} hello`)
    expect(format(rec('api', 0, 'boom', 'err'))).toContain(color.red('|'))
    expect(format(rec('api', 0, 'dropped 3 lines', 'sup'))).toContain(color.dim('dropped 3 lines'))
  })

  it('with --time, starts each line with the time sup-logd read it, local, to the millisecond', () => {
    const t = new Date(2026, 11, 7, 9, 5, 3, 42).getTime()
    expect(createLogFormatter(plain, { time: true })({ ...rec('api', 0, 'hello'), time: t })).toBe('2026-12-07 09:05:03.042 api:0 | hello')
    expect(createLogFormatter(color, { time: true })({ ...rec('api', 0, 'hello'), time: t }))
      .toBe(`${color.dim('2026-12-07 09:05:03.042')} ${color[workerColor('api:0')]('api:0')} ${color.dim('|')} hello`)
  })

  it('never lets a line drive the terminal', () => {
    expect(createLogFormatter(plain)(rec('api', 0, '\u001b]0;pwned\u0007\u001b[2J'))).toBe('api:0 | \\e]0;pwned\\x07\\e[2J')
  })

  it('with --raw, prints the line alone (with --time, after its time), still without control characters', () => {
    expect(createLogFormatter(color, { raw: true })(rec('api', 0, 'GET /health 200'))).toBe('GET /health 200')
    expect(createLogFormatter(plain, { raw: true })(rec('api', 0, '\u001b[2J boom', 'err'))).toBe('\\e[2J boom')
    const t = new Date(2026, 11, 7, 9, 5, 3, 42).getTime()
    expect(createLogFormatter(plain, { raw: true, time: true })({ ...rec('api', 0, 'hello'), time: t })).toBe('2026-12-07 09:05:03.042 hello')
  })

  it("shows a CRLF line's end as a line end, not as a `\\r` on every line (a \\r inside the line stays shown)", () => {
    expect(createLogFormatter(plain)(rec('api', 0, 'windows line\r'))).toBe('api:0 | windows line')
    expect(createLogFormatter(plain)(rec('api', 0, 'over\rwrite\r'))).toBe('api:0 | over\\rwrite')
  })
})

describe('renderEventLine', () => {
  it('prints time, worker, type, change and reason on one line', () => {
    const e: EventView = { id: 1, time: new Date(2026, 10, 23, 19, 57, 0).getTime(), app: 'api', instance: 1, type: 'exit', from: 'online', to: 'backoff', reason: 'exited with code 1\u001b[2J', data: null }
    expect(renderEventLine(e, plain)).toBe('2026-11-23 19:57:00  api:1  exit  online -> backoff  exited with code 1\\e[2J')
    expect(renderEventLine({ ...e, instance: null, from: null, to: null, type: 'scale', reason: 'scaled' }, plain)).toBe('2026-11-23 19:57:00  api  scale  scaled')
  })
})

describe('parseLogLines', () => {
  it('accepts 0..10000', () => {
    expect(parseLogLines('0')).toBe(0)
    expect(parseLogLines(' 20 ')).toBe(20)
    expect(parseLogLines('10000')).toBe(10_000)
  })

  it.each(['-1', '10001', '1.5', 'x', ''])('refuses %j', (value) => {
    expect(() => parseLogLines(value)).toThrow(InvalidArgumentError)
  })
})

describe('parseSince', () => {
  const now = 1_800_000_000_000
  it.each<[string, number]>([
    ['30s', now - 30_000], ['10m', now - 600_000], ['1h', now - 3_600_000], ['2d', now - 172_800_000], ['500ms', now - 500], ['1.5h', now - 5_400_000],
    ['2026-11-23T19:00:00Z', Date.parse('2026-11-23T19:00:00Z')]
  ])('%s', (value, want) => {
    expect(parseSince(value, now)).toBe(want)
  })

  it.each(['10', 'ten minutes', '5y', '-1m', 'yesterday', ''])('refuses %j', (value) => {
    expect(() => parseSince(value, now)).toThrow(InvalidArgumentError)
  })
})
