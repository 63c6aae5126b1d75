// Cuts a worker's raw output into log records `<ISO time> <stream> <bytes>\n` (docs/logs.md); pure, no I/O.

/** A line longer than this is cut into `>` records: bounds the memory a stream may hold. */
export const MAX_RECORD_BYTES = 65_536

const NL = 0x0a
const SPACE = 0x20
const CONTINUES = 0x3e // '>'
const SHORT_LINE = 64

/** One record read back from a log file. `bytes` is a view into the line given to parseRecord (no copy). */
export interface LogRecord {
  readonly time: number
  /** 'out' | 'err' | 'sup' (any token the writer used), without the trailing '>'. */
  readonly stream: string
  /** True for `out>`: the line goes on in the stream's next record. */
  readonly continues: boolean
  readonly bytes: Buffer
}

export interface RecordFramer {
  /**
   * Takes what was read from the stream; returns the records of every line it completes (and of cut long lines).
   * Each Buffer holds one or more whole records, in order: one allocation per read, not per line (a flood is
   * hundreds of thousands of lines a second).
   */
  push (chunk: Buffer): Buffer[]
  /** Emits the pending partial line as a `>` record (the collector calls it after 1 s of silence, and at close). */
  flushPartial (): Buffer[]
  /** Bytes of the partial line held back, waiting for its newline (≤ maxRecordBytes). */
  pending (): number
}

export interface RecordFramerOptions {
  readonly stream: 'out' | 'err'
  readonly maxRecordBytes?: number
  /** Epoch ms: the time stamped on the records of a chunk (when it was read). */
  readonly now: () => number
}

/** Encodes one record; shared by the writer (sup-logd) and readers so the format lives in one place. */
export function formatRecord (time: number, stream: string, bytes: Buffer, continues: boolean): Buffer {
  return encode(headerOf(time, stream, continues), bytes, 0, bytes.length)
}

/** Decodes one line of a log file (with or without its '\n'); null when it is not a record. */
export function parseRecord (line: Buffer): LogRecord | null {
  const end = line.length > 0 && line[line.length - 1] === NL ? line.length - 1 : line.length
  const s1 = line.indexOf(SPACE)
  if (s1 <= 0 || s1 >= end) return null
  const s2 = line.indexOf(SPACE, s1 + 1)
  if (s2 <= s1 + 1 || s2 > end) return null
  const time = Date.parse(line.toString('latin1', 0, s1))
  if (!Number.isFinite(time)) return null
  const continues = line[s2 - 1] === CONTINUES
  const stream = line.toString('latin1', s1 + 1, continues ? s2 - 1 : s2)
  if (stream === '') return null
  return { time, stream, continues, bytes: line.subarray(s2 + 1, end) }
}

function headerOf (time: number, stream: string, continues: boolean): Buffer {
  return Buffer.from(`${new Date(time).toISOString()} ${stream}${continues ? '>' : ''} `, 'latin1')
}

/** header + bytes[start, end) + '\n' in one buffer (small ones come from Node's pool). */
function encode (header: Buffer, bytes: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(header.length + (end - start) + 1)
  out.set(header, 0)
  out.set(bytes.subarray(start, end), header.length)
  out[out.length - 1] = NL
  return out
}

function countLines (chunk: Buffer): number {
  let n = 0
  for (let nl = chunk.indexOf(NL); nl !== -1; nl = chunk.indexOf(NL, nl + 1)) n++
  return n
}

/** Why a factory: a stream's partial line is state that must survive between reads, and nothing else is. */
export function createRecordFramer (opts: RecordFramerOptions): RecordFramer {
  const max = opts.maxRecordBytes ?? MAX_RECORD_BYTES
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxRecordBytes must be a positive integer, got ${max}`)
  let partial: Buffer[] = []
  let partialLength = 0
  // The two headers of the last millisecond seen: a flood stamps thousands of records with the same time.
  let headerTime = Number.NaN
  let endHeader: Buffer = Buffer.alloc(0)
  let moreHeader: Buffer = Buffer.alloc(0)
  // The records of the current push(), written one after the other into one buffer.
  let out: Buffer = Buffer.alloc(0)
  let pos = 0

  const headers = (time: number): void => {
    if (time === headerTime) return
    headerTime = time
    endHeader = headerOf(time, opts.stream, false)
    moreHeader = headerOf(time, opts.stream, true)
  }

  /** The held partial line with `tail` appended, as one buffer of its own; the partial is then empty. */
  const takePartial = (tail: Buffer): Buffer => {
    const joined = Buffer.concat([...partial, tail])
    partial = []
    partialLength = 0
    return joined
  }

  const put = (header: Buffer, src: Buffer, start: number, end: number): void => {
    out.set(header, pos)
    pos += header.length
    if (end - start < SHORT_LINE) { // a byte loop beats creating a subarray for a short line (2x in a flood)
      for (let i = start; i < end; i++) out[pos++] = src[i] as number
    } else {
      out.set(src.subarray(start, end), pos)
      pos += end - start
    }
    out[pos++] = NL
  }

  /** Emits `src[start, end)`, which ends a line when `ends`: `>` records of `max` bytes, then the rest. */
  const emit = (src: Buffer, start: number, end: number, ends: boolean): void => {
    let at = start
    for (; end - at > max; at += max) put(moreHeader, src, at, at + max)
    if (ends) put(endHeader, src, at, end)
    else if (end > at) { // a copy: the partial never pins a read buffer
      partial = [Buffer.from(src.subarray(at, end))]
      partialLength = end - at
    }
  }

  return {
    push (chunk) {
      if (chunk.length === 0) return []
      const lines = countLines(chunk)
      if (lines === 0 && partialLength + chunk.length <= max) { // no record yet: just hold it
        partial.push(Buffer.from(chunk))
        partialLength += chunk.length
        return []
      }
      headers(opts.now())
      const bytes = partialLength + chunk.length
      const cuts = Math.ceil(bytes / max)
      out = Buffer.allocUnsafe(bytes + (lines + cuts) * moreHeader.length + cuts)
      pos = 0
      let at = 0
      for (let nl = chunk.indexOf(NL); nl !== -1; nl = chunk.indexOf(NL, at)) {
        if (partialLength === 0) emit(chunk, at, nl, true)
        else {
          const line = takePartial(chunk.subarray(at, nl))
          emit(line, 0, line.length, true)
        }
        at = nl + 1
      }
      if (at < chunk.length) {
        const rest = partialLength === 0 ? chunk : takePartial(chunk.subarray(at))
        emit(rest, rest === chunk ? at : 0, rest.length, false)
      }
      const done = out.subarray(0, pos)
      out = Buffer.alloc(0)
      return pos === 0 ? [] : [done]
    },
    flushPartial () {
      if (partialLength === 0) return []
      headers(opts.now())
      const line = partial.length === 1 ? partial[0] as Buffer : Buffer.concat(partial)
      partial = []
      partialLength = 0
      return [encode(moreHeader, line, 0, line.length)]
    },
    pending: () => partialLength
  }
}
