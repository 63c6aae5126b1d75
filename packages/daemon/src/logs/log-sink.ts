// One worker's log file as seen by sup-logd: batches both streams' records, writes them, rides out a full disk.
import { formatRecord } from './record-framer.ts'
import type { RotatingFile, RotatingWriteError, RotationLimits } from './rotating-file.ts'

export type StreamKind = 'out' | 'err'

export interface LogSinkEvent {
  readonly type: 'log-write-failed' | 'log-write-resumed'
  readonly reason: string
  readonly data: Record<string, unknown>
}

export interface LogSinkDeps {
  readonly logPath: string
  readonly limits: RotationLimits
  now (): number
  openFile (path: string, limits: RotationLimits): RotatingFile
  onEvent (e: LogSinkEvent): void
  /** Asks for flush() at the end of the event-loop turn (the collector coalesces all sinks' writes there). */
  requestFlush (): void
}

export interface LogSink {
  /** Queues a stream's records (a Buffer may hold several whole ones); writes at once past FLUSH_AT_BYTES. While writes fail: holds, then drops. */
  add (kind: StreamKind, records: readonly Buffer[]): void
  /** Writes the batch now; while failing, only once the 1 s retry is due (or when forced, at close). */
  flush (isForced?: boolean): void
  setLimits (limits: RotationLimits): void
  /** Flushes (one last try) and closes the file; returns how many records could not be written. */
  close (): number
  isFailing (): boolean
  bytesWritten (): number
  dropped (): number
}

/** A batch is written as soon as it holds this much (else at the end of the event-loop turn). */
export const FLUSH_AT_BYTES = 256 * 1024
/** While the disk refuses writes, a stream keeps this much in memory; later records are dropped and counted. */
export const MAX_HELD_BYTES = 1024 * 1024
export const RETRY_MS = 1_000

interface Held { bytes: number; isDropping: boolean }

/** Each record ends with the only '\n' it holds. */
function countRecords (buf: Buffer): number {
  let n = 0
  for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, nl + 1)) n++
  return n
}

/** Why a factory per worker: its queue, held bytes per stream and outage state belong together and to nothing else. */
export function createLogSink (deps: LogSinkDeps): LogSink {
  let limits = deps.limits
  let file: RotatingFile | null = null
  let queue: Array<{ kind: StreamKind; buf: Buffer }> = []
  let queued = 0
  const held: Record<StreamKind, Held> = { out: { bytes: 0, isDropping: false }, err: { bytes: 0, isDropping: false } }
  let isFailing = false
  let failedAt = 0
  let retryAt = 0
  let droppedNow = 0
  let droppedTotal = 0
  let written = 0
  let isClosed = false

  const takeFirst = (): number => {
    const r = queue.shift()
    if (r === undefined) return 0
    queued -= r.buf.length
    held[r.kind].bytes -= r.buf.length
    return r.buf.length
  }

  // OK -> FAILING: the first failed write of an outage reports it once; then a retry every RETRY_MS.
  const fail = (err: unknown): void => {
    let done = (err as Partial<RotatingWriteError>).bytesWritten ?? 0
    while (done > 0 && queue.length > 0) done -= takeFirst()
    retryAt = deps.now() + RETRY_MS
    if (isFailing) return
    isFailing = true
    failedAt = deps.now()
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO'
    const message = err instanceof Error ? err.message : String(err)
    deps.onEvent({ type: 'log-write-failed', reason: `cannot write ${deps.logPath}: ${code}`, data: { path: deps.logPath, code, message } })
  }

  // FAILING -> OK: what was held is on disk, followed by a `sup` note counting what was dropped.
  const resume = (): void => {
    const dropped = droppedNow
    isFailing = false
    droppedNow = 0
    deps.onEvent({ type: 'log-write-resumed', reason: `logging resumed; dropped ${dropped} line(s) while writes failed`, data: { path: deps.logPath, dropped, outageMs: deps.now() - failedAt } })
  }

  const flush = (isForced = false): void => {
    if (isClosed || (isFailing ? !isForced && deps.now() < retryAt : queue.length === 0)) return
    const bufs = queue.map((r) => r.buf)
    if (isFailing && droppedNow > 0) bufs.push(formatRecord(deps.now(), 'sup', Buffer.from(`dropped ${droppedNow} line(s) while the disk was full`), false))
    const batch = bufs.length === 1 ? bufs[0] as Buffer : Buffer.concat(bufs)
    try {
      file ??= deps.openFile(deps.logPath, limits)
      file.write(batch)
    } catch (err) {
      fail(err)
      return
    }
    written += batch.length
    queue = []
    queued = 0
    for (const h of Object.values(held)) { h.bytes = 0; h.isDropping = false }
    if (isFailing) resume()
  }

  return {
    add (kind, records) {
      const h = held[kind]
      for (const buf of records) {
        // Disk refusing writes: once a stream is over its bound, drop all its records until recovery (no holes in between).
        if (isFailing && (h.isDropping || h.bytes + buf.length > MAX_HELD_BYTES)) {
          h.isDropping = true
          const n = countRecords(buf)
          droppedNow += n
          droppedTotal += n
          continue
        }
        queue.push({ kind, buf })
        queued += buf.length
        h.bytes += buf.length
      }
      if (isFailing || queue.length === 0) return
      if (queued >= FLUSH_AT_BYTES) flush()
      else deps.requestFlush()
    },
    flush,
    setLimits (next) {
      limits = next
      file?.setLimits(next)
    },
    close () {
      if (isClosed) return 0
      flush(true)
      isClosed = true
      file?.close()
      return queue.length
    },
    isFailing: () => isFailing,
    bytesWritten: () => written,
    dropped: () => droppedTotal
  }
}
