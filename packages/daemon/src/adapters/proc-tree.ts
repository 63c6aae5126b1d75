// Process trees from /proc (Linux): every pid's parent, read in one pass, so a worker's descendants can be summed.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs'

/** /proc/<pid>/stat is a few hundred bytes; comm is at most 16 bytes, so 1 KiB always holds it. */
const STAT_BYTES = 1024

/** What one read of /proc/<pid>/stat tells about a live process. */
export interface ProcStat {
  readonly ppid: number
  /** utime + stime, in clock ticks (USER_HZ). */
  readonly ticks: number
  /** When it started, in clock ticks after boot. */
  readonly startTicks: number
  /** Resident set size, in pages. */
  readonly rssPages: number
}

/** The stat of a live, non-zombie process from the text of its /proc/<pid>/stat; null for a zombie or garbage. */
function parseStat (text: string): ProcStat | null {
  const close = text.lastIndexOf(')')
  if (close < 0) return null
  // After "pid (comm) ": state [0], ppid [1], ... utime [11], stime [12], ... starttime [19], vsize [20], rss [21]
  const f = text.slice(close + 2).split(' ')
  const state = f[0]
  if (state === 'Z' || state === 'X' || state === 'x') return null
  const ppid = Number(f[1])
  if (!Number.isSafeInteger(ppid)) return null
  return { ppid, ticks: Number(f[11]) + Number(f[12]), startTicks: Number(f[19]), rssPages: Number(f[21]) }
}

/** One small read of /proc/<pid>/stat into `scratch`; '' when the process is gone. */
function readStatText (pid: number | string, scratch: Buffer): string {
  let fd: number
  try { fd = openSync(`/proc/${pid}/stat`, 'r') } catch { return '' }
  let n = 0
  try { n = readSync(fd, scratch, 0, STAT_BYTES, 0) } catch { n = 0 } finally { closeSync(fd) }
  return scratch.toString('latin1', 0, n)
}

/** One process's stat; null when it is gone or a zombie (a pid's identity is pid + startTicks). */
export function readProcStat (pid: number): ProcStat | null {
  return parseStat(readStatText(pid, Buffer.allocUnsafe(STAT_BYTES)))
}

/** Every live, non-zombie process's stat (one /proc readdir and one small read per process). */
export function readProcStats (): Map<number, ProcStat> {
  const scratch = Buffer.allocUnsafe(STAT_BYTES)
  const stats = new Map<number, ProcStat>()
  for (const name of readdirSync('/proc')) {
    const code = name.charCodeAt(0)
    if (code < 48 || code > 57) continue
    const stat = parseStat(readStatText(name, scratch)) // '' when gone since readdir
    if (stat !== null) stats.set(Number(name), stat)
  }
  return stats
}

/** The parent pid of each live, non-zombie process. */
export function readParents (): Map<number, number> {
  const parents = new Map<number, number>()
  for (const [pid, s] of readProcStats()) parents.set(pid, s.ppid)
  return parents
}

/** For each root, the root and every descendant (by parent links); a root that is not alive gets []. */
export function descendantsOf (roots: readonly number[], parents: ReadonlyMap<number, number>): Map<number, number[]> {
  const children = new Map<number, number[]>()
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid)
    if (list === undefined) children.set(ppid, [pid])
    else list.push(pid)
  }
  const trees = new Map<number, number[]>()
  for (const root of roots) {
    if (!parents.has(root)) { trees.set(root, []); continue }
    const tree: number[] = []
    const todo = [root]
    const seen = new Set<number>()
    for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
      if (seen.has(pid)) continue
      seen.add(pid)
      tree.push(pid)
      for (const c of children.get(pid) ?? []) todo.push(c)
    }
    trees.set(root, tree)
  }
  return trees
}
