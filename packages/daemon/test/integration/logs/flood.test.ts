// Flood: 4 workers x 200,000 lines as fast as they can, through their FIFOs: every line on disk, in order, none torn.
import { describe, it, expect } from 'vitest'
import { waitFor } from '@sup/test-support'
import { checkSequence, FLOOD, homeDirs, readRecords, startCollector, startWriter, streamLines } from './logs-support.ts'

const WORKERS = 4
const LINES = 200_000
const BIG = { maxSize: 100 * 1024 * 1024, files: 2 }

/** Bytes a flood worker writes: `<label> <i>\n` for i < LINES. */
function floodBytes (label: string): number {
  let n = 0
  for (let i = 0; i < LINES; i++) n += label.length + 2 + String(i).length
  return n
}

describe('log collector under a flood', () => {
  it('keeps every line of 4 flooding workers, in order per worker, none torn; the workers exit 0', async () => {
    const dirs = homeDirs()
    const { collector, errors } = startCollector(dirs)
    const started = performance.now()
    const cpu0 = process.cpuUsage()
    const writers = Array.from({ length: WORKERS }, (_, i) =>
      startWriter(dirs, `flood-app-${i}`, i, process.execPath, [FLOOD, `w${i}`, String(LINES)], BIG))
    const expectedBytes = Array.from({ length: WORKERS }, (_, i) => floodBytes(`w${i}`)).reduce((a, b) => a + b, 0)

    const exits = await Promise.all(writers.map((w) => w.exited))
    const exitedAt = performance.now()
    expect(exits).toEqual(Array.from({ length: WORKERS }, () => ({ code: 0, signal: null })))
    await waitFor(() => collector.stats().bytesRead === expectedBytes, { timeoutMs: 20_000, what: 'the collector to read everything' })
    await waitFor(() => collector.stats().bytesWritten >= expectedBytes, { timeoutMs: 5_000, what: 'the last batch to be written' })
    const doneAt = performance.now()
    const cpu = process.cpuUsage(cpu0)
    const stats = collector.stats()
    await collector.close()

    for (let i = 0; i < WORKERS; i++) {
      const records = readRecords(dirs, `flood-app-${i}`, i)
      expect(records.every((r) => r.stream === 'out')).toBe(true)
      expect(checkSequence(streamLines(records, 'out'), `w${i}`, 0, LINES)).toBeNull()
    }
    expect(errors).toEqual([])
    const seconds = (doneAt - started) / 1000
    process.stdout.write(`flood: ${WORKERS * LINES} lines, ${(expectedBytes / 1e6).toFixed(1)} MB of output (${(stats.bytesWritten / 1e6).toFixed(1)} MB on disk) ` +
      `in ${seconds.toFixed(2)} s (writers done after ${((exitedAt - started) / 1000).toFixed(2)} s): ` +
      `${Math.round(WORKERS * LINES / seconds)} lines/s, ${(expectedBytes / 1e6 / seconds).toFixed(1)} MB/s of output; ` +
      `collector CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, sys ${(cpu.system / 1e6).toFixed(2)})\n`)
  })
})
