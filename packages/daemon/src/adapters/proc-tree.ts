// Process trees from /proc (Linux): every pid's parent, read in one pass, so a worker's descendants can be summed.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs'

/** /proc/<pid>/stat is a few hundred bytes (comm is at most 16); a children file is ~7 bytes per child. */
const READ_BYTES = 64 * 1024

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

/** Reads a small /proc file (at most READ_BYTES); undefined when it is gone. Replaceable in tests. */
export type ProcRead = (path: string) => string | undefined

const scratch = Buffer.allocUnsafe(READ_BYTES)

/** The real /proc: one open, one read, one close. */
export const readProc: ProcRead = (path) => {
  let fd: number
  try { fd = openSync(path, 'r') } catch { return undefined } // gone
  let n = 0
  try { n = readSync(fd, scratch, 0, READ_BYTES, 0) } catch { n = 0 } finally { closeSync(fd) }
  return scratch.toString('latin1', 0, n)
}

/** The stat of a live, non-zombie process from the text of /proc/<pid>/stat; undefined otherwise. */
export function parseStat (text: string | undefined): ProcStat | undefined {
  if (text === undefined) return undefined
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  // After "pid (comm) ": state [0], ppid [1], ... utime [11], stime [12], ... starttime [19], vsize [20], rss [21]
  const f = text.slice(close + 2).split(' ')
  const state = f[0]
  if (state === 'Z' || state === 'X' || state === 'x') return undefined
  const ppid = Number(f[1])
  if (!Number.isSafeInteger(ppid)) return undefined
  return { ppid, ticks: Number(f[11]) + Number(f[12]), startTicks: Number(f[19]), rssPages: Number(f[21]) }
}

/** One process's stat; null when it is gone or a zombie (a pid's identity is pid + startTicks). */
export function readProcStat (pid: number): ProcStat | null {
  return parseStat(readProc(`/proc/${pid}/stat`)) ?? null
}

/** Every live, non-zombie process's stat (one /proc readdir and one small read per process). */
export function readProcStats (read: ProcRead = readProc, list: () => string[] = () => readdirSync('/proc')): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>()
  for (const name of list()) {
    const code = name.charCodeAt(0)
    if (code < 48 || code > 57) continue
    const s = parseStat(read(`/proc/${name}/stat`))
    if (s !== undefined) stats.set(Number(name), s)
  }
  return stats
}

/**
 * The stat of each root and of its descendants, reading only those: per process its stat and the children its main
 * thread started (/proc/<pid>/task/<pid>/children; a child started by another thread is found by the next full
 * scan). undefined when the kernel has no children files (then read the whole of /proc).
 */
export function readTreeStats (roots: readonly number[], read: ProcRead = readProc): Map<number, ProcStat> | undefined {
  const stats = new Map<number, ProcStat>()
  const todo = [...roots]
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    if (stats.has(pid)) continue
    const s = parseStat(read(`/proc/${pid}/stat`))
    if (s === undefined) continue
    const children = read(`/proc/${pid}/task/${pid}/children`)
    if (children === undefined) {
      if (read(`/proc/${pid}/stat`) !== undefined) return undefined // alive, yet no children file: not supported here
      continue // gone between the two reads
    }
    stats.set(pid, s)
    for (const c of children.split(' ')) if (c !== '') todo.push(Number(c))
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
