// The collector's bookkeeping: draining at close, FIFOs that vanish or are made again, sidecar changes, names with '-';
// at rest, how often it looks at its pipes directory.
import { EventEmitter } from 'node:events'
import fs, { closeSync, openSync, rmSync, statSync, type FSWatcher } from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import { describe, it, expect, onTestFinished, vi } from 'vitest'
import { waitFor } from '@sup/test-support'
import { checkSequence, FLOOD, homeDirs, lastLine, logFiles, readRecords, startCollector, startWriter, streamLines } from './logs-support.ts'
import { workerPipePaths, writeRotationConfig } from '../../../src/logs/fifo.ts'
import { ensureFifo } from '../../../src/logs/fifo-maker.ts'

const LIMITS = { maxSize: 10 * 1024 * 1024, files: 5 }

describe('log collector', () => {
  it('close() drains what a pipe still holds although its worker is gone', async () => {
    const dirs = homeDirs()
    const w = startWriter(dirs, 'gone', 0, process.execPath, [FLOOD, 'g', '3000'], LIMITS) // ~20 KB: fits in the pipe
    // Someone must hold a FIFO open for its bytes to outlive the writer (here the test, as sup-logd or the daemon would).
    const holder = openSync(workerPipePaths(dirs.pipesDir, 'gone', 0).out, 'r+')
    onTestFinished(() => closeSync(holder))
    expect(await w.exited).toEqual({ code: 0, signal: null })
    const { collector } = startCollector(dirs) // opens the FIFO: nothing is read before close() runs
    await collector.close()
    expect(checkSequence(streamLines(readRecords(dirs, 'gone', 0), 'out'), 'g', 0, 3000)).toBeNull()
  })

  it('writes both streams of a worker into one file; app names may contain "-"', async () => {
    const dirs = homeDirs()
    const { collector } = startCollector(dirs)
    const w = startWriter(dirs, 'my-api-v2', 12, process.execPath, [FLOOD, 'm', '2000', '0', 'both'], LIMITS)
    expect(await w.exited).toEqual({ code: 0, signal: null })
    let bytes = 0
    for (let i = 0; i < 2000; i++) bytes += 3 + String(i).length
    await waitFor(() => collector.stats().bytesRead === bytes, { what: 'both streams read' })
    await collector.close()
    const records = readRecords(dirs, 'my-api-v2', 12)
    expect(logFiles(dirs, 'my-api-v2', 12)).toEqual([`${dirs.logsDir}/my-api-v2-12.log`])
    expect(streamLines(records, 'out')).toEqual(Array.from({ length: 1000 }, (_, i) => `m ${2 * i}`))
    expect(streamLines(records, 'err')).toEqual(Array.from({ length: 1000 }, (_, i) => `m ${2 * i + 1}`))
  })

  it('drains and closes the streams of a worker whose FIFOs were removed; picks up FIFOs made again', async () => {
    const dirs = homeDirs()
    const { collector } = startCollector(dirs)
    const w = startWriter(dirs, 'scaled', 1, process.execPath, [FLOOD, 'a', '1000'], LIMITS)
    expect(await w.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => collector.stats().streams === 2, { what: 'both streams open' })
    const p = workerPipePaths(dirs.pipesDir, 'scaled', 1)
    for (const f of [p.out, p.err, p.config]) rmSync(f)
    await waitFor(() => collector.stats().workers === 0, { what: 'the worker to be dropped' })
    expect(checkSequence(streamLines(readRecords(dirs, 'scaled', 1), 'out'), 'a', 0, 1000)).toBeNull()

    const again = startWriter(dirs, 'scaled', 1, process.execPath, [FLOOD, 'b', '1000'], LIMITS) // new FIFOs, new inodes
    expect(await again.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => lastLine(dirs, 'scaled', 1) === 'b 999', { what: 'the new incarnation' })
    expect(streamLines(readRecords(dirs, 'scaled', 1), 'out').filter((l) => l.startsWith('b '))).toHaveLength(1000)
  })

  it('applies a changed rotation sidecar at the next scan', async () => {
    const dirs = homeDirs()
    const { collector } = startCollector(dirs)
    const w = startWriter(dirs, 'resize', 0, process.execPath, [FLOOD, 'r', '20000'], LIMITS)
    expect(await w.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => lastLine(dirs, 'resize', 0) === 'r 19999', { what: 'the first flood' })
    expect(logFiles(dirs, 'resize', 0)).toHaveLength(1)
    writeRotationConfig(workerPipePaths(dirs.pipesDir, 'resize', 0).config, { maxSize: 64 * 1024, files: 2 })
    collector.scan()
    const w2 = startWriter(dirs, 'resize', 0, process.execPath, [FLOOD, 's', '20000'], { maxSize: 64 * 1024, files: 2 })
    expect(await w2.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => lastLine(dirs, 'resize', 0) === 's 19999', { what: 'the second flood' })
    const files = logFiles(dirs, 'resize', 0)
    expect(files).toHaveLength(2)
    for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(64 * 1024)
  })
})

/** Counts calls of one node:fs function on `path` (named imports see it: syncBuiltinESMExports), until the test ends. */
function countFsCalls (name: 'readdirSync' | 'statSync', path: string): { count: number } {
  const calls = { count: 0 }
  const real = fs[name] as (...args: unknown[]) => unknown
  Object.assign(fs, { [name]: (...args: unknown[]) => { if (args[0] === path) calls.count++; return real(...args) } })
  syncBuiltinESMExports()
  onTestFinished(() => { Object.assign(fs, { [name]: real }); syncBuiltinESMExports() })
  return calls
}

/** Timers and clocks the collector reads, faked until the test ends: a day passes in a moment. */
function fakeClock (): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date', 'hrtime'] })
  onTestFinished(() => { vi.useRealTimers() })
}

/** One worker's FIFOs and sidecar as the daemon makes them, with no process writing. */
function idleWorker (dirs: ReturnType<typeof homeDirs>, app: string): void {
  const p = workerPipePaths(dirs.pipesDir, app, 0)
  ensureFifo(p.out)
  ensureFifo(p.err)
  writeRotationConfig(p.config, LIMITS)
}

describe('log collector at rest', () => {
  it('with its watch working, it looks at the pipes directory less and less often (one stat) and does not list it again', () => {
    const dirs = homeDirs()
    idleWorker(dirs, 'idle')
    fakeClock()
    const lists = countFsCalls('readdirSync', dirs.pipesDir)
    const looks = countFsCalls('statSync', dirs.pipesDir)
    const { collector } = startCollector(dirs)
    expect(collector.stats().streams).toBe(2)
    expect(lists.count).toBe(1)
    vi.advanceTimersByTime(24 * 3_600_000)
    // 1, 2, 4, ... 64 minutes after the last change, then hourly: ~30 looks a day (each tick of an idle sup-logd
    // scanned it every 10 s: 8,640 listings a day, enough for V8 to compile that code with its optimizing tiers)
    expect(lists.count).toBe(1)
    expect(looks.count).toBeLessThanOrEqual(32)
    expect(collector.stats().streams).toBe(2)
  })

  it('a worker its watch did not report is picked up at the next look, a minute after the last change', () => {
    const dirs = homeDirs()
    fakeClock()
    const blind = (): FSWatcher => Object.assign(new EventEmitter(), { close: () => undefined }) as unknown as FSWatcher
    const { collector } = startCollector(dirs, { watch: blind })
    idleWorker(dirs, 'unseen')
    vi.advanceTimersByTime(59_000)
    expect(collector.stats().streams).toBe(0)
    vi.advanceTimersByTime(3_000)
    expect(collector.stats().streams).toBe(2)
  })
})
