// Disk full: workers keep running, `log-write-failed` once, at most 1 MiB held per stream, then resumed with a note.
import { truncateSync } from 'node:fs'
import { describe, it, expect } from 'vitest'
import { waitFor } from '@sup/test-support'
import { checkSequence, FLOOD, homeDirs, readRecords, startCollector, startWriter, streamLines, tinyDiskHome } from './logs-support.ts'
import { openRotatingFile, type RotatingFile, type RotationLimits } from '../../../src/logs/rotating-file.ts'
import { workerLogPath } from '../../../src/logs/fifo.ts'

const LIMITS = { maxSize: 100 * 1024 * 1024, files: 2 }
const NOTE = /^dropped (\d+) line\(s\) while the disk was full$/

/** openRotatingFile whose writes fail with ENOSPC while `isFull` (before anything reaches the disk). */
function fullDisk () {
  const state = { isFull: false, failedWrites: 0 }
  const openFile = (path: string, limits: RotationLimits): RotatingFile => {
    const file = openRotatingFile(path, limits)
    return {
      ...file,
      write (buf) {
        if (state.isFull) {
          state.failedWrites++
          throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', bytesWritten: 0 })
        }
        file.write(buf)
      }
    }
  }
  return { state, openFile }
}

describe('disk full', () => {
  it('injected ENOSPC: keeps reading, reports once, holds ≤ 1 MiB, drops and counts, then resumes with a note', async () => {
    const dirs = homeDirs()
    const disk = fullDisk()
    const { collector, events, errors } = startCollector(dirs, { openFile: disk.openFile })
    const before = startWriter(dirs, 'full', 0, process.execPath, [FLOOD, 'a', '1000'], LIMITS)
    expect(await before.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => streamLines(readRecords(dirs, 'full', 0), 'out').length === 1000, { what: 'the lines before the outage' })

    disk.state.isFull = true
    const during = startWriter(dirs, 'full', 0, process.execPath, [FLOOD, 'b', '200000'], LIMITS)
    expect(await during.exited).toEqual({ code: 0, signal: null }) // 2 MB while nothing can be written: never blocked
    await waitFor(() => disk.state.failedWrites >= 3, { what: 'a few retries' })
    expect(events.map((e) => e.type)).toEqual(['log-write-failed'])
    expect(events[0]).toMatchObject({ app: 'full', instance: 0, data: { code: 'ENOSPC' } })
    expect(collector.stats()).toMatchObject({ failing: 1 })
    const dropped = collector.stats().dropped
    expect(dropped).toBeGreaterThan(0)

    disk.state.isFull = false
    await waitFor(() => events.length === 2, { timeoutMs: 5_000, what: 'log-write-resumed' })
    expect(events[1]).toMatchObject({ type: 'log-write-resumed', app: 'full', instance: 0, data: { dropped } })
    const after = startWriter(dirs, 'full', 0, process.execPath, [FLOOD, 'c', '1000'], LIMITS)
    expect(await after.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => streamLines(readRecords(dirs, 'full', 0), 'out').at(-1) === 'c 999', { what: 'the lines after the outage' })
    await collector.close()

    const records = readRecords(dirs, 'full', 0)
    const notes = records.filter((r) => r.stream === 'sup').map((r) => r.bytes.toString())
    expect(notes).toEqual([`dropped ${dropped} line(s) while the disk was full`])
    const lines = streamLines(records, 'out')
    const b = lines.filter((l) => l.startsWith('b '))
    expect(checkSequence(lines.filter((l) => l.startsWith('a ')), 'a', 0, 1000)).toBeNull()
    expect(checkSequence(b, 'b', 0, b.length)).toBeNull() // what was held: the first lines of the outage, no holes
    expect(b.length + dropped).toBe(200_000)
    expect(b.join('\n').length).toBeLessThanOrEqual(1024 * 1024) // held ≤ 1 MiB (of records, so fewer bytes of lines)
    expect(checkSequence(lines.filter((l) => l.startsWith('c ')), 'c', 0, 1000)).toBeNull()
    expect(errors).toEqual([])
  })

  it('a real full tmpfs: the worker runs on, the outage is reported and logging resumes when space returns', async (ctx) => {
    const dirs = tinyDiskHome()
    if (dirs === null) { ctx.skip(); return }
    const { collector, events, errors } = startCollector(dirs)
    const pad = 90 // ~100-byte lines: 100,000 of them = 10 MB into 2 MiB
    const w = startWriter(dirs, 'tiny', 0, process.execPath, [FLOOD, 't', '100000', String(pad)], { maxSize: 10 * 1024 * 1024, files: 5 })
    expect(await w.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => events.some((e) => e.type === 'log-write-failed'), { what: 'log-write-failed' })
    expect(events[0]).toMatchObject({ type: 'log-write-failed', app: 'tiny', instance: 0, data: { code: 'ENOSPC' } })

    // Whatever made it before the disk filled is whole records (a short write is truncated away).
    const beforeFree = readRecords(dirs, 'tiny', 0)
    expect(beforeFree.length).toBeGreaterThan(0)
    truncateSync(workerLogPath(dirs.logsDir, 'tiny', 0), 0) // the operator frees space
    await waitFor(() => events.some((e) => e.type === 'log-write-resumed'), { timeoutMs: 5_000, what: 'log-write-resumed' })
    expect(events.map((e) => e.type)).toEqual(['log-write-failed', 'log-write-resumed'])
    const w2 = startWriter(dirs, 'tiny', 0, process.execPath, [FLOOD, 'u', '1000'], { maxSize: 10 * 1024 * 1024, files: 5 })
    expect(await w2.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => streamLines(readRecords(dirs, 'tiny', 0), 'out').at(-1) === 'u 999', { what: 'logging after the outage' })
    await collector.close()
    const records = readRecords(dirs, 'tiny', 0)
    expect(records.filter((r) => r.stream === 'sup').map((r) => NOTE.test(r.bytes.toString()))).toEqual([true])
    expect(checkSequence(streamLines(records, 'out').filter((l) => l.startsWith('u ')), 'u', 0, 1000)).toBeNull()
    expect(errors).toEqual([])
  })
})
