// Follows a worker's log for new lines: polls it, and across a rotation finishes the renamed file before the new one.
import { open, stat, type FileHandle } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { createForwardJoiner, parseRecord, type LogFilter, type LogLine } from './log-lines.ts'
import { MAX_RECORD_BYTES, rotatedPaths, type LogPosition } from './log-reader.ts'

/** How often the file is checked for new bytes and for a rotation. */
export const FOLLOW_INTERVAL_MS = 100
/** The most one read takes. */
const READ_BYTES = 256 * 1024

export interface FollowOptions {
  /** Ends the iteration (cleanly: no error); every file handle and timer is released. */
  readonly signal: AbortSignal
  /** Where to start: a position from `readTail` (exactly after its last line), the file's `start`, or its `end` (default). */
  readonly from?: LogPosition | 'start' | 'end'
  readonly intervalMs?: number
  readonly filter?: LogFilter
}

interface Source { readonly fh: FileHandle; readonly ino: number; offset: number }

/** Splits bytes into records at newlines; a record longer than MAX_RECORD_BYTES is dropped, not buffered. */
function createSplitter () {
  let rest: Buffer[] = []
  let restBytes = 0
  return {
    push (chunk: Buffer): Buffer[] {
      const out: Buffer[] = []
      let start = 0
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        if (restBytes + nl - start <= MAX_RECORD_BYTES) out.push(restBytes === 0 ? chunk.subarray(start, nl) : Buffer.concat([...rest, chunk.subarray(start, nl)]))
        rest = []
        restBytes = 0
        start = nl + 1
      }
      restBytes += chunk.length - start
      rest = restBytes <= MAX_RECORD_BYTES && start < chunk.length ? [...rest, chunk.subarray(start)] : []
      return out
    },
    reset (): void { rest = []; restBytes = 0 }
  }
}

async function openSource (path: string, offset: number | 'end'): Promise<Source | null> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return null; throw err })
  if (fh === null) return null
  const st = await fh.stat()
  return { fh, ino: st.ino, offset: offset === 'end' ? st.size : offset }
}

const inoOf = async (path: string): Promise<number | null> => (await stat(path).catch(() => null))?.ino ?? null

/** The rotated files to finish before the current one, when `from` points into a file that was renamed since. */
async function catchUp (logPath: string, from: LogPosition): Promise<Source[]> {
  const rotated = await rotatedPaths(logPath)
  for (let k = 0; k < rotated.length; k++) {
    if (await inoOf(rotated[k] ?? '') !== from.ino) continue
    // rotated[k] is where we were; rotated[k-1] .. rotated[0] came after it, from their start.
    const sources: Source[] = []
    for (let j = k; j >= 0; j--) {
      const s = await openSource(rotated[j] ?? '', j === k ? from.offset : 0)
      if (s !== null) sources.push(s)
    }
    return sources
  }
  return []
}

/** Yields each new line of `logPath` (joined, filtered) until `signal` aborts. */
export async function * followLog (logPath: string, options: FollowOptions): AsyncGenerator<LogLine> {
  const { signal, from = 'end', intervalMs = FOLLOW_INTERVAL_MS } = options
  const splitter = createSplitter()
  const joiner = createForwardJoiner(options.filter ?? {})
  const backlog: Source[] = []
  let src: Source | null = null

  async function * drain (s: Source): AsyncGenerator<LogLine> {
    const { size } = await s.fh.stat()
    if (size < s.offset) { s.offset = 0; splitter.reset() } // truncated in place: start over
    while (s.offset < size && !signal.aborted) {
      const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, size - s.offset))
      const { bytesRead } = await s.fh.read(buf, 0, buf.length, s.offset)
      if (bytesRead === 0) break
      s.offset += bytesRead
      for (const raw of splitter.push(buf.subarray(0, bytesRead))) {
        const r = parseRecord(raw)
        const line = r === null ? null : joiner.push(r)
        if (line !== null) yield line
      }
    }
  }

  try {
    if (from === 'end' || from === 'start') src = await openSource(logPath, from === 'end' ? 'end' : 0)
    else {
      src = await openSource(logPath, 0)
      if (src !== null && src.ino === from.ino) src.offset = from.offset
      else backlog.push(...await catchUp(logPath, from))
    }
    while (backlog.length > 0) {
      const old = backlog.shift() as Source
      try { yield * drain(old) } finally { await old.fh.close() }
      splitter.reset()
    }
    while (!signal.aborted) {
      src ??= await openSource(logPath, 0)
      const before = src?.offset ?? 0
      if (src !== null) {
        yield * drain(src)
        const ino = await inoOf(logPath)
        if (ino !== null && ino !== src.ino) {
          // Rotated: the renamed file may have grown since the last read; finish it, then the new file from 0.
          yield * drain(src)
          await src.fh.close()
          src = null
          splitter.reset()
          continue
        }
      }
      if ((src?.offset ?? 0) === before) await sleep(intervalMs, undefined, { signal }).catch(() => undefined)
    }
  } finally {
    await Promise.all([src, ...backlog].map((s) => s?.fh.close()))
  }
}
