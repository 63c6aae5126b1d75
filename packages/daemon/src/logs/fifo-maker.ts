// Makes a worker's FIFO: the daemon's side only. A file of its own so that sup-logd, which only reads FIFOs, does not
// load node:child_process (mkfifo) with fifo.ts (docs/performance.md).
import { spawnSync } from 'node:child_process'
import { lstatSync } from 'node:fs'

/** Creates the FIFO (mode 0600) unless it exists; refuses to take over anything that is not a FIFO. */
export function ensureFifo (path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false })
  if (st?.isFIFO() === true) return
  if (st !== undefined) throw new Error(`${path} exists and is not a FIFO; move it away`)
  // Node has no mkfifo(2); mkfifo(1) is coreutils, present wherever sup runs (Linux only, like the abstract-socket lock).
  const r = spawnSync('mkfifo', ['-m', '600', path], { encoding: 'utf8' })
  if (r.error !== undefined) throw new Error(`cannot run mkfifo for ${path}: ${r.error.message}`, { cause: r.error })
  if (r.status !== 0 && lstatSync(path, { throwIfNoEntry: false })?.isFIFO() !== true) {
    throw new Error(`mkfifo ${path} failed: ${r.stderr.trim() || `exit ${r.status}`}`)
  }
}
