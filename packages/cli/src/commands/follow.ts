// Following a stream until Ctrl-C (or SIGTERM): the request is aborted and the command exits 0, without a stack trace.

/** Runs `fn` with a signal that aborts on SIGINT/SIGTERM; the handlers are removed when it settles. */
export async function untilSignal (fn: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const ac = new AbortController()
  const stop = (): void => ac.abort()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    await fn(ac.signal)
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}
