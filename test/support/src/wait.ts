// waitFor(): polls a condition until it holds or a deadline passes — tests wait for outcomes, never sleep.
export async function waitFor<T> (fn: () => T | Promise<T>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<NonNullable<T>> {
  const deadline = performance.now() + (opts.timeoutMs ?? 10_000)
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined && v !== null && v !== false) return v as NonNullable<T>
    } catch (err) { last = err }
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last instanceof Error ? `: ${last.message}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 20))
  }
}

/** Lets pending promise callbacks run (for fake-clock tests of async runners). */
export async function flush (rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve))
}
