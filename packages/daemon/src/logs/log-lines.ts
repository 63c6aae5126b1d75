// Log records (docs/logs.md: `<time> <stream> <bytes>`) parsed, and `>` continuation records joined back into lines.
import { parseRecord as parseFramedRecord } from './record-framer.ts'

/** `sup` marks sup's own notes (e.g. lines dropped while the disk was full). */
export type RecordStream = 'out' | 'err' | 'sup'

/** One record of a log file: `continues` when the line goes on in the stream's next record (`out>`). */
export interface ParsedRecord {
  readonly time: number
  readonly stream: RecordStream
  readonly continues: boolean
  readonly bytes: Buffer
}

/** One line of a worker's output: its records joined; `time` is when its last record was read. */
export interface LogLine { readonly time: number; readonly stream: RecordStream; readonly line: Buffer }

/** Which lines a reader wants: one stream (sup's notes go with neither), and/or lines from an epoch ms on. */
export interface LogFilter { readonly stream?: 'out' | 'err' | undefined; readonly since?: number | undefined }

/** A joined line is kept up to this size and cut after it (with a note), so an endless line cannot exhaust memory. */
export const MAX_LINE_BYTES = 1024 * 1024

const STREAMS: ReadonlySet<string> = new Set<RecordStream>(['out', 'err', 'sup'])

/** Parses one record (without its newline) with the writer's own parser; null for anything else (a torn or foreign line). */
export function parseRecord (raw: Buffer): ParsedRecord | null {
  const r = parseFramedRecord(raw)
  return r === null || !STREAMS.has(r.stream) ? null : { time: r.time, stream: r.stream as RecordStream, continues: r.continues, bytes: r.bytes }
}

/** The pieces of one line, kept up to MAX_LINE_BYTES (its head), counting every byte. */
interface Pending { readonly stream: RecordStream; readonly time: number; readonly seq: number; pieces: Buffer[]; kept: number; total: number }

function toLine (p: Pending): LogLine {
  const head = Buffer.concat(p.pieces, Math.min(p.kept, MAX_LINE_BYTES))
  const line = p.total <= MAX_LINE_BYTES ? head : Buffer.concat([head, Buffer.from(` … [line cut: ${p.total} bytes]`)])
  return { time: p.time, stream: p.stream, line }
}

const wanted = (r: ParsedRecord, f: LogFilter): boolean => f.stream === undefined || r.stream === f.stream

/** Joins records read newest first (a tail): the newest `n` lines, each complete, however they interleave. */
export function createBackwardJoiner (filter: LogFilter, n: number) {
  const open = new Map<RecordStream, Pending>()
  const done: Pending[] = []
  let opened = 0
  let pastSince = false

  return {
    /** Takes the next older record. */
    push (r: ParsedRecord): void {
      if (!wanted(r, filter)) return
      const cur = open.get(r.stream)
      if (cur !== undefined && r.continues) {
        // An older piece of the line: goes in front; the newest pieces beyond the cap are dropped (the head is kept).
        cur.pieces.unshift(r.bytes)
        cur.kept += r.bytes.length
        cur.total += r.bytes.length
        while (cur.pieces.length > 1 && cur.kept - (cur.pieces.at(-1)?.length ?? 0) >= MAX_LINE_BYTES) cur.kept -= cur.pieces.pop()?.length ?? 0
        return
      }
      if (cur !== undefined) { done.push(cur); open.delete(r.stream) }
      if (filter.since !== undefined && r.time < filter.since) pastSince = true
      if (opened >= n || pastSince) return
      // The record ends a line (or is the unfinished end of the newest one): a line starts, going backwards.
      open.set(r.stream, { stream: r.stream, time: r.time, seq: opened++, pieces: [r.bytes], kept: r.bytes.length, total: r.bytes.length })
    },
    /** Nothing older can change the answer. */
    isDone: (): boolean => open.size === 0 && (opened >= n || pastSince),
    /** The lines, oldest first. */
    finish (): LogLine[] {
      done.push(...open.values())
      open.clear()
      return done.sort((a, b) => b.seq - a.seq).map(toLine)
    }
  }
}

/** Joins records read oldest first (a follower): a line comes out when its last record arrives. */
export function createForwardJoiner (filter: LogFilter) {
  const open = new Map<RecordStream, Pending>()
  return {
    push (r: ParsedRecord): LogLine | null {
      if (!wanted(r, filter)) return null
      let cur = open.get(r.stream)
      if (cur === undefined) {
        cur = { stream: r.stream, time: r.time, seq: 0, pieces: [], kept: 0, total: 0 }
        open.set(r.stream, cur)
      }
      if (cur.kept < MAX_LINE_BYTES) {
        const piece = r.bytes.subarray(0, MAX_LINE_BYTES - cur.kept)
        cur.pieces.push(piece)
        cur.kept += piece.length
      }
      cur.total += r.bytes.length
      if (r.continues) return null
      open.delete(r.stream)
      const line = toLine({ ...cur, time: r.time })
      return filter.since !== undefined && line.time < filter.since ? null : line
    }
  }
}
