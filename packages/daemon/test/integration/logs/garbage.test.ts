// Hostile output: a 10 MB line without newline, binary garbage, invalid UTF-8 — stored byte for byte, others unaffected.
import { writeFileSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import { waitFor } from '@sup/test-support'
import { checkSequence, FLOOD, homeDirs, readRecords, startCollector, startWriter, streamBytes, streamLines } from './logs-support.ts'
import { MAX_RECORD_BYTES } from '../../../src/logs/record-framer.ts'

const BIG = { maxSize: 100 * 1024 * 1024, files: 2 }

/** Deterministic hostile bytes: 10 MB with no '\n', then garbage with '\n', '\r', NUL, invalid UTF-8, no final '\n'. */
function hostilePayload (): Buffer {
  let seed = 7
  const rnd = (): number => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) & 0xff }
  const long = Buffer.alloc(10 * 1024 * 1024)
  for (let i = 0; i < long.length; i++) { const b = rnd(); long[i] = b === 0x0a ? 0x0b : b }
  const garbage = Buffer.alloc(300_000)
  for (let i = 0; i < garbage.length; i++) garbage[i] = rnd()
  const invalidUtf8 = Buffer.from([0xc3, 0x28, 0x0a, 0xa0, 0xa1, 0x0a, 0xed, 0xa0, 0x80, 0x0d, 0x0a, 0xf0, 0x28, 0x8c, 0xbc, 0x00, 0x0a, 0xff, 0xfe])
  return Buffer.concat([long, Buffer.from('\n{"json":"stays \\"as is\\""}\r\n'), garbage, invalidUtf8, Buffer.from('\ntail without newline')])
}

describe('hostile worker output', () => {
  it('stores a 10 MB line, binary and invalid UTF-8 byte for byte while another worker is unaffected', async () => {
    const dirs = homeDirs()
    const payload = hostilePayload()
    const payloadPath = `${dirs.home}/payload.bin`
    writeFileSync(payloadPath, payload)
    const { collector, errors } = startCollector(dirs)
    const hostile = startWriter(dirs, 'hostile', 0, 'cat', [payloadPath], BIG)
    const calm = startWriter(dirs, 'calm', 0, process.execPath, [FLOOD, 'c', '50000'], BIG)
    expect(await hostile.exited).toEqual({ code: 0, signal: null })
    expect(await calm.exited).toEqual({ code: 0, signal: null })
    let calmBytes = 0
    for (let i = 0; i < 50_000; i++) calmBytes += 3 + String(i).length
    await waitFor(() => collector.stats().bytesRead === payload.length + calmBytes, { timeoutMs: 15_000, what: 'everything read' })
    await collector.close() // flushes the final partial line as a `>` record

    const records = readRecords(dirs, 'hostile', 0)
    expect(records.every((r) => r.bytes.length <= MAX_RECORD_BYTES)).toBe(true)
    expect(records.filter((r) => r.continues).length).toBeGreaterThanOrEqual(160) // the 10 MB line: cut into 64 KiB records
    expect(streamBytes(records, 'out').equals(payload)).toBe(true)
    expect(records.some((r) => r.bytes.toString() === '{"json":"stays \\"as is\\""}\r')).toBe(true) // not escaped or re-wrapped
    expect(checkSequence(streamLines(readRecords(dirs, 'calm', 0), 'out'), 'c', 0, 50_000)).toBeNull()
    expect(errors).toEqual([])
  })

  it('a partial line written to a collector idle for a while (its tick every 10 s) is still flushed 1 s after it', async () => {
    const dirs = homeDirs()
    const { collector } = startCollector(dirs)
    await new Promise((resolve) => setTimeout(resolve, 1_500)) // the collector settles: nothing waits, its next tick is ~10 s away
    const w = startWriter(dirs, 'late', 0, process.execPath, ['-e', "process.stdout.write('half a line'); setInterval(() => {}, 1000)"], BIG)
    const started = performance.now()
    const partial = await waitFor(() => readRecords(dirs, 'late', 0).find((r) => r.stream === 'out'), { timeoutMs: 10_000, what: 'the partial line' })
    expect(performance.now() - started, 'flushed by the tick the data asked for, not by the 10 s one').toBeLessThan(4_000)
    expect({ continues: partial.continues, bytes: partial.bytes.toString() }).toEqual({ continues: true, bytes: 'half a line' })
    w.child.kill('SIGKILL')
    await w.exited
    await collector.close()
  })

  it('flushes a partial line idle for 1 s as a `>` record, and its end joins it later', async () => {
    const dirs = homeDirs()
    const { collector } = startCollector(dirs)
    const script = "process.on('SIGUSR2', () => { process.stdout.write(' done\\n'); process.exit(0) }); process.stdout.write('waiting'); process.stderr.write('err line\\n'); setInterval(() => {}, 1000)"
    const w = startWriter(dirs, 'idle', 0, process.execPath, ['-e', script], BIG)
    const started = performance.now()
    const partial = await waitFor(() => readRecords(dirs, 'idle', 0).find((r) => r.stream === 'out'), { timeoutMs: 5_000, what: 'the partial line' })
    expect(performance.now() - started).toBeGreaterThanOrEqual(900)
    expect({ continues: partial.continues, bytes: partial.bytes.toString() }).toEqual({ continues: true, bytes: 'waiting' })
    expect(readRecords(dirs, 'idle', 0).find((r) => r.stream === 'err')?.bytes.toString()).toBe('err line')
    w.child.kill('SIGUSR2')
    expect(await w.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => streamLines(readRecords(dirs, 'idle', 0), 'out').length === 1, { what: 'the end of the line' })
    expect(streamLines(readRecords(dirs, 'idle', 0), 'out')).toEqual(['waiting done'])
    await collector.close()
  })
})
