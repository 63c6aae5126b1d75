// Fresh temporary state directories (SUP_HOME, PM2_HOME), removed on cleanup.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A new empty directory under the OS temp dir (short path: unix sockets live in it). */
export function makeTempHome (prefix) {
  return mkdtemp(join(tmpdir(), `${prefix}-`))
}

/** Removes a temp home; set SUP_BENCH_KEEP=1 to keep them for a post-mortem. */
export async function removeTempHome (dir) {
  if (process.env.SUP_BENCH_KEEP === '1') return
  await rm(dir, { recursive: true, force: true, maxRetries: 3 })
}
