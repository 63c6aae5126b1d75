// The newest lines of a worker's log (docs/logs.md), read backwards in chunks across its rotated files.
import { open, readdir, type FileHandle } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { createBackwardJoiner, parseRecord, type LogFilter, type LogLine } from './log-lines.ts'

/** How much of a file one read takes: a 50 MB file is never loaded whole. */
export const CHUNK_BYTES = 64 * 1024
/** sup-logd cuts records at 64 KiB, so a longer "record" is not one of its: skipped, never buffered further. */
export const MAX_RECORD_BYTES = 4 * CHUNK_BYTES

/** Where the complete records of the current file end (a follower starts there, missing and repeating nothing). */
export interface LogPosition { readonly ino: number; readonly offset: number }

/** The last lines of a log and where they end. `position` is null when there is no current file. */
export interface LogTail { readonly lines: LogLine[]; readonly position: LogPosition | null }

interface OpenFile { readonly fh: FileHandle; readonly ino: number; readonly end: number }

/** `<path>.1`, `<path>.2`, ... that exist, newest (lowest number) first. */
export async function rotatedPaths (logPath: string): Promise<string[]> {
  const prefix = `${basename(logPath)}.`
  const names = await readdir(dirname(logPath)).catch(() => [] as string[])
  return names
    .filter((n) => n.startsWith(prefix) && /^[1-9]\d{0,3}$/.test(n.slice(prefix.length)))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
    .map((n) => join(dirname(logPath), n))
}

async function readAt (fh: FileHandle, start: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length)
  let got = 0
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, start + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return buf.subarray(0, got)
}

/** The offset just after the last newline at or before `size` (a record being written has none yet); 0 when none. */
async function completeEnd (fh: FileHandle, size: number): Promise<number> {
  for (let pos = size; pos > 0 && size - pos <= MAX_RECORD_BYTES;) {
    const start = Math.max(0, pos - CHUNK_BYTES)
    const chunk = await readAt(fh, start, pos - start)
    const nl = chunk.lastIndexOf(0x0a)
    if (nl !== -1) return start + nl + 1
    pos = start
  }
  return 0
}

/** The records of bytes [0, end) of a file (end just after a newline), newest first. */
async function * recordsBackward (fh: FileHandle, end: number): AsyncGenerator<Buffer> {
  let pos = end - 1 // the final newline ends the newest record
  let carry: Buffer[] = []
  let carryBytes = 0
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK_BYTES)
    const chunk = await readAt(fh, start, pos - start)
    if (chunk.length < pos - start) return // truncated under us: what is left is not this file any more
    pos = start
    let stop = chunk.length
    for (let nl = chunk.lastIndexOf(0x0a, stop - 1); nl !== -1; nl = stop > 0 ? chunk.lastIndexOf(0x0a, stop - 1) : -1) {
      if (carryBytes + stop - nl - 1 <= MAX_RECORD_BYTES) yield Buffer.concat([chunk.subarray(nl + 1, stop), ...carry])
      carry = []
      carryBytes = 0
      stop = nl
    }
    carryBytes += stop
    carry = carryBytes <= MAX_RECORD_BYTES ? [chunk.subarray(0, stop), ...carry] : []
  }
  if (end > 0 && carryBytes <= MAX_RECORD_BYTES) yield Buffer.concat(carry)
}

/** Opens the current file and every rotated one (a file seen twice during a rotation is kept once). */
async function openAll (logPath: string): Promise<{ files: OpenFile[]; current: OpenFile | null }> {
  const files: OpenFile[] = []
  let current: OpenFile | null = null
  const seen = new Set<number>()
  for (const path of [logPath, ...await rotatedPaths(logPath)]) {
    const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return null; throw err })
    if (fh === null) continue
    const st = await fh.stat()
    if (seen.has(st.ino)) { await fh.close(); continue }
    seen.add(st.ino)
    const file = { fh, ino: st.ino, end: await completeEnd(fh, st.size) }
    if (path === logPath) current = file
    files.push(file)
  }
  return { files, current }
}

async function * allRecordsBackward (files: readonly OpenFile[]): AsyncGenerator<Buffer> {
  for (const f of files) yield * recordsBackward(f.fh, f.end)
}

/** The last `n` lines (joined, filtered) of a log and its rotated files, oldest first, plus where a follower should start. */
export async function readTail (logPath: string, n: number, filter: LogFilter = {}): Promise<LogTail> {
  const { files, current } = await openAll(logPath)
  try {
    const position = current === null ? null : { ino: current.ino, offset: current.end }
    if (n <= 0) return { lines: [], position }
    const joiner = createBackwardJoiner(filter, n)
    for await (const raw of allRecordsBackward(files)) {
      const r = parseRecord(raw)
      if (r !== null) joiner.push(r)
      if (joiner.isDone()) break
    }
    return { lines: joiner.finish(), position }
  } finally {
    await Promise.all(files.map((f) => f.fh.close()))
  }
}

/** The last `n` complete lines of `<path>`, `<path>.1`, ... oldest first. */
export async function readLastRecords (logPath: string, n: number, filter?: LogFilter): Promise<LogLine[]> {
  return (await readTail(logPath, n, filter)).lines
}
