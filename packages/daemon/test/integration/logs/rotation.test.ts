// Rotation: 50 MB through a 1 MB x 3 cap leaves ≤ 3 MB (+ one record) on disk, the newest lines intact and in order.
import { statSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import { waitFor } from '@sup/test-support'
import { checkSequence, FLOOD, homeDirs, lastLine, logFiles, readRecords, startCollector, startWriter, streamLines } from './logs-support.ts'
import { formatRecord } from '../../../src/logs/record-framer.ts'

const MB = 1024 * 1024
const PAD = 90 // `r <i> xxx…` ≈ 100 bytes a line: 500,000 lines ≈ 50 MB
const LINES = 500_000

describe('log rotation', () => {
  it('keeps a flooding worker within maxSize x files; the newest lines are intact and in order', async () => {
    const dirs = homeDirs()
    const { collector, errors } = startCollector(dirs)
    const w = startWriter(dirs, 'rot', 0, process.execPath, [FLOOD, 'r', String(LINES), String(PAD)], { maxSize: MB, files: 3 })
    const sizes: number[] = []
    const total = (): number => logFiles(dirs, 'rot', 0).reduce((n, f) => n + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0)
    const sampler = setInterval(() => sizes.push(total()), 20)
    try {
      expect(await w.exited).toEqual({ code: 0, signal: null })
      await waitFor(() => lastLine(dirs, 'rot', 0)?.startsWith(`r ${LINES - 1} `), { timeoutMs: 10_000, what: 'the last line on disk' })
    } finally {
      clearInterval(sampler)
    }
    await collector.close()

    const record = formatRecord(Date.now(), 'out', Buffer.alloc(PAD + 10), false).length
    const files = logFiles(dirs, 'rot', 0)
    expect(files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['rot-0.log.2', 'rot-0.log.1', 'rot-0.log'])
    for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(MB)
    expect(Math.max(...sizes, total())).toBeLessThanOrEqual(3 * MB + record)

    // The lines kept are one run ending with the very last line, none torn.
    const lines = streamLines(readRecords(dirs, 'rot', 0), 'out').map((l) => l.slice(0, l.indexOf(' ', 2)))
    const first = Number(lines[0]?.split(' ')[1])
    expect(lines.length).toBeGreaterThan((2 * MB) / (PAD + 40))
    expect(checkSequence(lines, 'r', first, LINES)).toBeNull()
    expect(errors).toEqual([])
  })

  it('with files=1 keeps a single file, emptied when full', async () => {
    const dirs = homeDirs()
    const { collector } = startCollector(dirs)
    const w = startWriter(dirs, 'one', 0, process.execPath, [FLOOD, 'o', '50000', String(PAD)], { maxSize: 256 * 1024, files: 1 })
    expect(await w.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => collector.stats().bytesRead >= 50_000 * 95, { what: 'everything read' })
    await collector.close()
    expect(logFiles(dirs, 'one', 0).map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['one-0.log'])
    const lines = streamLines(readRecords(dirs, 'one', 0), 'out').map((l) => l.slice(0, l.indexOf(' ', 2)))
    expect(lines[lines.length - 1]).toBe('o 49999')
    expect(checkSequence(lines, 'o', Number(lines[0]?.split(' ')[1]), 50_000)).toBeNull()
  })
})
