// Process trees from /proc (Linux): every pid's parent, read in one pass, so a worker's descendants can be summed.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs'

/** /proc/<pid>/stat is a few hundred bytes; comm is at most 16 bytes, so 1 KiB always holds it. */
const STAT_BYTES = 1024

/** The parent pid of each live, non-zombie process (one /proc readdir and one small read per process). */
export function readParents (): Map<number, number> {
  const scratch = Buffer.allocUnsafe(STAT_BYTES)
  const parents = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    const code = name.charCodeAt(0)
    if (code < 48 || code > 57) continue
    let fd: number
    try { fd = openSync(`/proc/${name}/stat`, 'r') } catch { continue } // gone since readdir
    let n = 0
    try { n = readSync(fd, scratch, 0, STAT_BYTES, 0) } catch { n = 0 } finally { closeSync(fd) }
    const text = scratch.toString('latin1', 0, n)
    const close = text.lastIndexOf(')')
    if (close < 0) continue
    // After "pid (comm) ": state, ppid, ...
    const rest = text.slice(close + 2, close + 40).split(' ')
    const state = rest[0]
    if (state === 'Z' || state === 'X' || state === 'x') continue
    const ppid = Number(rest[1])
    if (Number.isSafeInteger(ppid)) parents.set(Number(name), ppid)
  }
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
