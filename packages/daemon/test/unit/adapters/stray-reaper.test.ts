// Boot's stray reaping: it works from the reading of /proc that boot made for adoption, and reads it again only for strays.
import { describe, it, expect } from 'vitest'
import { reapMarked } from '../../../src/adapters/stray-reaper.ts'
import type { ProcessTable } from '../../../src/core/ports.ts'

/** A process table whose every reading of /proc is counted (it finds nothing marked). */
function countingTable (): ProcessTable & { readings: number } {
  const table = { readings: 0, startTime: () => null, findMarked: () => { table.readings++; return [] } }
  return table
}

describe('reapMarked', () => {
  it('with boot\'s reading, where every marked process is a kept worker, it reads /proc no more and signals nobody', async () => {
    const procs = countingTable()
    // pids above Linux's largest pid_max (2^22): no process can have them, should anything be signalled
    const found = [{ pid: 4_194_305, marker: 'sup-x:api:0' }, { pid: 4_194_306, marker: 'sup-x:api:1' }]
    expect(await reapMarked(procs, 'sup-x', new Set(['sup-x:api:0', 'sup-x:api:1']), 100, found)).toBe(0)
    expect(procs.readings).toBe(0)
  })

  it('without one, it makes its own reading', async () => {
    const procs = countingTable()
    expect(await reapMarked(procs, 'sup-x', new Set(), 100)).toBe(0)
    expect(procs.readings).toBe(1)
  })
})
