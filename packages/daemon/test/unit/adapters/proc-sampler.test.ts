// What a sampling tick reads: the workers' trees, not every process of the box (idle CPU of the daemon); a full scan
// still comes first, every 30 s, and whenever it is cheaper or the kernel has no children files.
import { describe, expect, it } from 'vitest'
import { createProcSampler } from '../../../src/adapters/proc-sampler.ts'

interface FakeProc { ppid: number; rss: number; ticks?: number; children?: number[] }

/** A fake /proc: `procs` by pid, a clock in seconds since boot, and every path read. */
function fakeProc (procs: Map<number, FakeProc>, opts: { childrenFiles?: boolean } = {}) {
  const reads: string[] = []
  const clock = { uptime: 1000 }
  const read = (path: string): string | undefined => {
    reads.push(path)
    if (path === '/proc/uptime') return `${clock.uptime.toFixed(2)} 1.00\n`
    const m = /^\/proc\/(\d+)\/(stat|task\/(\d+)\/children)$/.exec(path)
    const p = m === null ? undefined : procs.get(Number(m[1]))
    if (m === null || p === undefined) return undefined
    if (m[2] === 'stat') return `${m[1]} (node) S ${p.ppid} 1 1 0 -1 0 0 0 0 0 ${p.ticks ?? 0} 0 0 0 20 0 1 0 500 1000 ${p.rss} x\n`
    if (opts.childrenFiles === false) return undefined
    return (p.children ?? []).map((c) => `${c} `).join('')
  }
  return { reads, clock, read, list: () => [...procs.keys()].map(String).concat(['self', 'uptime']) }
}

/** A box of `others` unrelated processes plus `workers` workers (pids 1001...) whose parent is the daemon (900). */
function box (others: number, workers: number): Map<number, FakeProc> {
  const procs = new Map<number, FakeProc>([[900, { ppid: 1, rss: 10, children: [] }]])
  for (let i = 0; i < others; i++) procs.set(2 + i, { ppid: 1, rss: 1 })
  for (let i = 0; i < workers; i++) {
    procs.set(1001 + i, { ppid: 900, rss: 100 })
    procs.get(900)?.children?.push(1001 + i)
  }
  return procs
}

const WORKERS = [1001, 1002, 1003, 1004]
const statReads = (reads: readonly string[]): number => reads.filter((r) => r.endsWith('/stat')).length

describe('proc sampler ticks', () => {
  it('reads the whole box once, then only the 4 workers\' trees (a stat and a children file each)', async () => {
    const f = fakeProc(box(60, 4))
    const sampler = createProcSampler({ read: f.read, list: f.list })
    await sampler.sample(WORKERS)
    expect(statReads(f.reads)).toBe(65)
    f.reads.length = 0
    f.clock.uptime += 1
    const s = await sampler.sample(WORKERS)
    expect(statReads(f.reads)).toBe(4)
    expect(f.reads).toHaveLength(4 + 4 + 1)
    expect(s.get(1001)).toMatchObject({ pids: 1, memory: 100 * 4096 })
  })

  it('counts a child the worker started since the last tick, and drops a child that is gone', async () => {
    const procs = box(60, 4)
    const f = fakeProc(procs)
    const sampler = createProcSampler({ read: f.read, list: f.list })
    await sampler.sample(WORKERS)
    procs.set(5000, { ppid: 1002, rss: 300 })
    procs.set(1002, { ppid: 900, rss: 100, children: [5000] })
    f.clock.uptime += 1
    expect((await sampler.sample(WORKERS)).get(1002)).toMatchObject({ pids: 2, memory: 400 * 4096 })
    procs.delete(5000)
    f.clock.uptime += 1
    expect((await sampler.sample(WORKERS)).get(1002)).toMatchObject({ pids: 1, memory: 100 * 4096 })
  })

  it('finds a child started by another thread (not in the children file) at the next full scan, 30 s on', async () => {
    const procs = box(60, 4)
    const f = fakeProc(procs)
    const sampler = createProcSampler({ read: f.read, list: f.list })
    await sampler.sample(WORKERS)
    procs.set(6000, { ppid: 1003, rss: 50 }) // its parent's main thread does not list it
    f.clock.uptime += 1
    expect((await sampler.sample(WORKERS)).get(1003)?.pids).toBe(1)
    f.clock.uptime += 30
    expect((await sampler.sample(WORKERS)).get(1003)).toMatchObject({ pids: 2, memory: 150 * 4096 })
  })

  it('reads the whole box every tick when that is fewer reads (many workers) or the kernel has no children files', async () => {
    const crowded = fakeProc(box(10, 40))
    const many = Array.from({ length: 40 }, (_, i) => 1001 + i)
    const s1 = createProcSampler({ read: crowded.read, list: crowded.list })
    await s1.sample(many)
    crowded.reads.length = 0
    crowded.clock.uptime += 1
    expect((await s1.sample(many)).size).toBe(40)
    expect(statReads(crowded.reads)).toBe(51)

    const old = fakeProc(box(60, 4), { childrenFiles: false })
    const s2 = createProcSampler({ read: old.read, list: old.list })
    await s2.sample(WORKERS)
    old.reads.length = 0
    old.clock.uptime += 1
    expect((await s2.sample(WORKERS)).get(1004)?.pids).toBe(1)
    expect(statReads(old.reads)).toBeGreaterThanOrEqual(65)
    old.reads.length = 0
    old.clock.uptime += 1
    await s2.sample(WORKERS)
    expect(old.reads.filter((r) => r.endsWith('/children'))).toEqual([]) // it no longer asks for a file it knows is missing
  })
})
