// Path locks for tar's Unpack (its `reservations`): an entry holds its own paths exclusively and every parent
// directory of them shared, granted in arrival order, so two entries never write the same path at once and no entry
// writes under a directory another entry is replacing. tar's own PathReservations keeps every entry it ever reserved
// (its paths, parents and job: ~0.9 KB each) until the extraction ends; here a finished entry leaves nothing behind,
// so an archive of 100,000 entries holds no more memory than one of 100.

/** A job is called with `done` once it holds all its locks; it calls `done` when its paths are written. */
export type PathJob = (done: () => void) => void

interface Request {
  readonly job: PathJob
  /** Paths held alone. */
  readonly own: readonly string[]
  /** Parent directories held together with other entries under them. */
  readonly shared: readonly string[]
  started: boolean
}

/** The holders of one path, in arrival order: one request alone, or a run of requests that share it. */
type Group = { readonly alone: Request } | { readonly together: Set<Request> }

/**
 * The key of a path: `a/./b/` and `a/b` are one path; Unicode forms and case are folded so names that a
 * case- or normalization-insensitive filesystem treats as one never run at once (more waiting, never a race).
 */
function keyOf (path: string): string {
  const parts = path.normalize('NFD').toLowerCase().split('/').filter((p) => p !== '' && p !== '.')
  return parts.join('/')
}

/** `a/b/c` -> `a`, `a/b` (the directory the extraction runs in is not a key: nothing replaces it). */
function parentsOf (key: string): string[] {
  const parts = key.split('/')
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'))
}

export class PathLocks {
  readonly #queues = new Map<string, Group[]>()

  /** Paths with a holder or a waiter: 0 once every job called `done`. */
  get size (): number { return this.#queues.size }

  /** Queues `job` for `paths`; runs it now when nothing holds them. Returns whether it ran now (as tar's does). */
  reserve (paths: readonly string[], job: PathJob): boolean {
    const own = [...new Set(paths.map(keyOf))]
    const shared = [...new Set(own.flatMap(parentsOf))].filter((k) => !own.includes(k))
    const req: Request = { job, own, shared, started: false }
    for (const k of own) this.#queue(k).push({ alone: req })
    for (const k of shared) {
      const q = this.#queue(k)
      const last = q.at(-1)
      if (last !== undefined && 'together' in last) last.together.add(req)
      else q.push({ together: new Set([req]) })
    }
    return this.#start(req)
  }

  #queue (key: string): Group[] {
    let q = this.#queues.get(key)
    if (q === undefined) this.#queues.set(key, (q = []))
    return q
  }

  /** Whether `req` is in the first group of every path it needs. */
  #granted (req: Request): boolean {
    for (const k of req.own) {
      const g = this.#queues.get(k)?.[0]
      if (g === undefined || !('alone' in g) || g.alone !== req) return false
    }
    for (const k of req.shared) {
      const g = this.#queues.get(k)?.[0]
      if (g === undefined || !('together' in g) || !g.together.has(req)) return false
    }
    return true
  }

  #start (req: Request): boolean {
    if (req.started || !this.#granted(req)) return false
    req.started = true
    let released = false
    req.job(() => {
      if (released) return
      released = true
      this.#release(req)
    })
    return true
  }

  /** Drops `req` from the first group of each of its paths, then starts whoever that lets through. */
  #release (req: Request): void {
    const next = new Set<Request>()
    for (const k of [...req.own, ...req.shared]) {
      const q = this.#queues.get(k)
      const g = q?.[0]
      if (q === undefined || g === undefined) continue
      if ('together' in g) {
        g.together.delete(req)
        if (g.together.size > 0) continue // the same group still holds it: nobody new gets through
      }
      q.shift()
      const head = q[0]
      if (head === undefined) this.#queues.delete(k)
      else if ('alone' in head) next.add(head.alone)
      else for (const r of head.together) next.add(r)
    }
    for (const r of next) this.#start(r)
  }
}
