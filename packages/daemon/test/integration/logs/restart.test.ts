// The collector goes away mid-flood and another takes over: the writer never dies, and no line is lost.
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, it, expect } from 'vitest'
import { waitFor } from '@sup/test-support'
import { checkSequence, clearStaleLock, FLOOD, homeDirs, isAlive, lastLine, logdPid, logSize, readRecords, startCollector, startLogd, startWriter, streamLines } from './logs-support.ts'

const BIG = { maxSize: 100 * 1024 * 1024, files: 2 }
const LINES = 400_000
const KILL_LINES = 200_000 // (~7 MB through a separate sup-logd)
/** How long no collector runs: a scenario parameter (the daemon restarts sup-logd within ~2 s), not a wait. */
const OUTAGE_MS = 2_000

function floodBytes (label: string, n: number): number {
  let total = 0
  for (let i = 0; i < n; i++) total += label.length + 2 + String(i).length
  return total
}

describe('collector restart', () => {
  it('close() mid-flood, a new collector 2 s later: every line exactly once, in order; the writer lives on', async () => {
    const dirs = homeDirs()
    const first = startCollector(dirs)
    const w = startWriter(dirs, 'restart', 0, process.execPath, [FLOOD, 'x', String(LINES)], BIG)
    await waitFor(() => first.collector.stats().bytesRead > 300_000, { what: 'the flood to be under way' })
    await first.collector.close()
    const readBefore = first.collector.stats().bytesRead
    await sleep(OUTAGE_MS)
    expect(isAlive(w.child.pid ?? -1)).toBe(true) // blocked in write(2) on its full pipe, not dead
    expect(w.child.exitCode).toBeNull()

    const second = startCollector(dirs)
    expect(await w.exited).toEqual({ code: 0, signal: null })
    const total = floodBytes('x', LINES)
    await waitFor(() => readBefore + second.collector.stats().bytesRead === total, { timeoutMs: 15_000, what: 'the rest of the flood' })
    await second.collector.close()
    expect(checkSequence(streamLines(readRecords(dirs, 'restart', 0), 'out'), 'x', 0, LINES)).toBeNull()
    expect([...first.errors, ...second.errors]).toEqual([])
  })

  it('sup-logd SIGKILLed mid-flood, a new one 2 s later: the writer lives on; loss is bounded to what logd held in memory', async () => {
    const dirs = homeDirs()
    const logd1 = startLogd(dirs)
    await waitFor(() => logdPid(dirs) === logd1.child.pid, { what: 'sup-logd to start' })
    const w = startWriter(dirs, 'killed', 0, process.execPath, [FLOOD, 'k', String(KILL_LINES)], BIG)
    await waitFor(() => logSize(dirs, 'killed', 0) > 1_500_000, { what: 'the flood to be under way' })
    logd1.child.kill('SIGKILL')
    await logd1.exited
    await sleep(OUTAGE_MS)
    expect(isAlive(w.child.pid ?? -1)).toBe(true)

    expect(clearStaleLock(dirs)).toBe(true) // the daemon's part: the dead logd's lock file stays until it is cleared
    const logd2 = startLogd(dirs)
    await waitFor(() => logdPid(dirs) === logd2.child.pid, { what: 'the second sup-logd' })
    expect(await w.exited).toEqual({ code: 0, signal: null })
    await waitFor(() => lastLine(dirs, 'killed', 0) === `k ${KILL_LINES - 1}`, { timeoutMs: 15_000, what: 'the last line' })
    logd2.child.kill('SIGTERM')
    expect(await logd2.exited).toEqual({ code: 0, signal: null })

    // In order, never twice; one gap where logd died, its first line possibly a torn tail.
    const lines = streamLines(readRecords(dirs, 'killed', 0), 'out')
    const numbers = lines.map((l) => (/^k (\d+)$/.exec(l) === null ? -1 : Number(l.slice(2))))
    const torn = numbers.filter((n) => n === -1).length
    const kept = numbers.filter((n) => n !== -1)
    expect(torn).toBeLessThanOrEqual(1)
    for (let i = 1; i < kept.length; i++) expect(kept[i]).toBeGreaterThan(kept[i - 1] as number)
    const lost = KILL_LINES - kept.length - torn
    expect(lost * 10).toBeLessThanOrEqual(320 * 1024) // ≤ one batch + one partial line of ~10-byte lines
    process.stdout.write(`sup-logd SIGKILLed mid-flood: ${lost} of ${KILL_LINES} line(s) lost, ${torn} torn, 0 duplicated\n`)
  }, 60_000)
})
