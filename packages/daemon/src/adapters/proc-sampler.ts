// The UsageSampler port over /proc: one read of /proc/<pid>/stat per process gives the process tree (parents), the
// CPU ticks and the RSS of every worker's tree at once. A tick reads only the workers' trees (stat + the children
// file of each), not every process of the box: on a box of 66 processes and 4 workers, 8 small reads, not 67.
import { readFileSync } from 'node:fs'
import type { TreeUsage, UsageSampler } from '../core/ports.ts'
import { descendantsOf, readProc, readProcStats, readTreeStats, type ProcRead, type ProcStat } from './proc-tree.ts'

/** USER_HZ: the unit of /proc's CPU times, a kernel ABI constant (100 on every Linux architecture node runs on). */
const TICKS_PER_SECOND = 100

/** This machine's page size, from the RSS this process reports two ways (pages in statm, bytes from node). */
function pageSize (): number {
  try {
    const pages = Number(readFileSync('/proc/self/statm', 'latin1').split(' ')[1])
    const bytes = process.memoryUsage.rss()
    if (pages > 0) return 2 ** Math.round(Math.log2(bytes / pages))
  } catch { /* not Linux: nothing is sampled anyway */ }
  return 4096
}

/** Seconds since boot (/proc/uptime), the clock of a process's start time. */
function uptimeSeconds (read: ProcRead): number {
  const s = Number(read('/proc/uptime')?.split(' ')[0])
  if (!Number.isFinite(s)) throw new Error('no /proc/uptime')
  return s
}

interface Previous { readonly ticks: number; readonly at: number; readonly startTicks: number }

/** A pid not sampled for this long is forgotten (its next sample is its average since it started), as pidusage did. */
const HISTORY_MAX_AGE_S = 10
/** Every this often the whole of /proc is read: it finds children started by a thread other than a process's main one. */
const FULL_SCAN_S = 30

export interface ProcSamplerDeps {
  readonly read?: ProcRead
  readonly list?: () => string[]
}

/**
 * CPU is the percent of one core since the previous sample of the same pid (a pid seen for the first time: its
 * average since it started); memory is RSS in bytes, summed over each root's tree.
 */
export function createProcSampler (deps: ProcSamplerDeps = {}): UsageSampler {
  const read = deps.read ?? readProc
  const list = deps.list
  const page = pageSize()
  const previous = new Map<number, Previous>()
  let lastFullScanAt = -Infinity
  let boxSize = Infinity // processes seen by the last full scan
  let hasChildrenFiles = true // false once the kernel showed it has none (CONFIG_PROC_CHILDREN off): full scans only

  /** The trees' stats: only theirs, unless a full scan is due or costs fewer reads (2 per tree process) than it. */
  function statsOf (roots: readonly number[], at: number): Map<number, ProcStat> {
    if (hasChildrenFiles && at - lastFullScanAt < FULL_SCAN_S && 2 * previous.size < boxSize) {
      const trees = readTreeStats(roots, read)
      if (trees !== undefined) return trees
      hasChildrenFiles = false
    }
    const all = readProcStats(read, list)
    lastFullScanAt = at
    boxSize = all.size
    return all
  }

  function cpuOf (pid: number, s: ProcStat, at: number): number {
    const before = previous.get(pid)
    if (before !== undefined && before.startTicks === s.startTicks && at > before.at) {
      return ((s.ticks - before.ticks) / TICKS_PER_SECOND) / (at - before.at) * 100
    }
    const lived = at - s.startTicks / TICKS_PER_SECOND
    return lived > 0 ? (s.ticks / TICKS_PER_SECOND) / lived * 100 : 0
  }

  return {
    async sample (roots) {
      const out = new Map<number, TreeUsage>()
      if (roots.length === 0) return out
      let stats: Map<number, ProcStat>
      let at: number
      try {
        at = uptimeSeconds(read)
        stats = statsOf(roots, at)
      } catch { return out }
      const parents = new Map<number, number>()
      for (const [pid, s] of stats) parents.set(pid, s.ppid)
      const seen: Array<[number, Previous]> = []
      for (const [root, tree] of descendantsOf(roots, parents)) {
        let cpu = 0
        let memory = 0
        for (const pid of tree) {
          const s = stats.get(pid)
          if (s === undefined) continue
          cpu += Math.max(0, cpuOf(pid, s, at))
          memory += s.rssPages * page
          seen.push([pid, { ticks: s.ticks, at, startTicks: s.startTicks }])
        }
        if (tree.length > 0) out.set(root, { cpu, memory, pids: tree.length })
      }
      for (const [pid, p] of seen) previous.set(pid, p)
      // A pid gone (or reused by a new process: its start time differs) starts afresh.
      for (const [pid, p] of previous) if (at - p.at > HISTORY_MAX_AGE_S) previous.delete(pid)
      return out
    }
  }
}
