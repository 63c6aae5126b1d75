// Cleanup registry: everything the bench starts registers how to stop it, run on any exit path.

/**
 * createJanitor() -> { add(label, fn) -> remove, runAll() }. runAll() calls the cleanups newest
 * first, each at most once, and never throws (failures are returned as messages). Once runAll()
 * has begun, add() throws: nothing new may start while the bench is shutting down.
 */
export function createJanitor () {
  const jobs = new Map()
  let nextId = 0
  let isClosed = false
  return {
    add (label, fn) {
      if (isClosed) throw new Error(`not starting ${label}: the bench is stopping`)
      const id = nextId++
      jobs.set(id, { label, fn })
      return () => jobs.delete(id)
    },
    async runAll () {
      isClosed = true
      const failures = []
      for (const id of [...jobs.keys()].reverse()) {
        const job = jobs.get(id)
        jobs.delete(id)
        try { await job.fn() } catch (e) { failures.push(`${job.label}: ${e.message}`) }
      }
      return failures
    }
  }
}
