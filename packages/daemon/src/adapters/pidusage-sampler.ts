// The UsageSampler port over pidusage: one pidusage call per tick for the trees of every worker.
import pidusage from 'pidusage'
import type { TreeUsage, UsageSampler } from '../core/ports.ts'
import { descendantsOf, readParents } from './proc-tree.ts'

interface PidStat { cpu: number; memory: number }

/** pidusage keeps a little history per pid (for CPU deltas); it forgets a pid this long after its last sample. */
const HISTORY_MAX_AGE_MS = 10_000

/** Samples every tree at once: the /proc parent map is read once, then one pidusage call covers every pid. */
export function createPidusageSampler (): UsageSampler {
  return {
    async sample (roots) {
      const out = new Map<number, TreeUsage>()
      if (roots.length === 0) return out
      let trees: Map<number, number[]>
      try { trees = descendantsOf(roots, readParents()) } catch { return out }
      const pids = [...new Set([...trees.values()].flat())]
      if (pids.length === 0) return out
      let stats: Record<string, PidStat | undefined>
      try {
        stats = await pidusage(pids, { maxage: HISTORY_MAX_AGE_MS }) as unknown as Record<string, PidStat | undefined>
      } catch { return out }
      for (const [root, tree] of trees) {
        let cpu = 0
        let memory = 0
        let alive = 0
        for (const pid of tree) {
          const s = stats[pid]
          if (s === undefined || s === null) continue
          cpu += Number.isFinite(s.cpu) ? s.cpu : 0
          memory += s.memory
          alive++
        }
        if (alive > 0 && stats[root] !== undefined) out.set(root, { cpu, memory, pids: alive })
      }
      return out
    }
  }
}
