// Runs async jobs one at a time per key (e.g. per app), so operations on one app never interleave.
export interface KeyedQueue { run<T> (key: string, job: () => Promise<T>): Promise<T> }

export function createKeyedQueue (): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>()
  return {
    run (key, job) {
      const prev = tails.get(key) ?? Promise.resolve()
      const next = prev.then(job, job)
      const tail = next.catch(() => undefined)
      tails.set(key, tail)
      void tail.then(() => { if (tails.get(key) === tail) tails.delete(key) })
      return next
    }
  }
}
