// A failed start shows the worker's last lines, even when sup-logd has not written them yet (a cold start's).
import type { LogRecord } from '@sup/protocol'
import { describe, expect, it } from 'vitest'
import { lastLines } from '../../src/start-failure.ts'

const rec = (line: string, stream: LogRecord['stream'] = 'err'): LogRecord => ({ time: 1, app: 'crash', instance: 0, stream, line })

/** A client whose log of the worker is empty for the first `emptyFor` reads. */
function logsAfter (emptyFor: number, records: LogRecord[]) {
  let reads = 0
  return {
    reads: () => reads,
    logs: async function * () { if (reads++ >= emptyFor) yield * records }
  }
}

describe('lastLines', () => {
  it('asks again until the lines are in the log (sup-logd starting after a handed start)', async () => {
    const client = logsAfter(3, [rec('cannot reach the database at db:5432'), rec('restarting', 'sup')])
    expect(await lastLines(client, 'crash:0', 5, 5_000)).toEqual(['cannot reach the database at db:5432'])
    expect(client.reads()).toBe(4)
  })

  it('gives up after the wait for a worker that printed nothing', async () => {
    const client = logsAfter(1_000, [])
    const t0 = Date.now()
    expect(await lastLines(client, 'crash:0', 5, 300)).toEqual([])
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300)
  })
})
