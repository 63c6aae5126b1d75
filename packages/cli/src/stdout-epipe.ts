// `sup list --json | head -1`: a reader that went away is not an error.

/** Makes an EPIPE on stdout end the process quietly with the exit code it had. */
export function exitQuietlyOnEpipe (): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    process.exit(process.exitCode ?? 0)
  })
}
