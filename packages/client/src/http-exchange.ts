// One HTTP/1.1 request on a connection of its own (`Connection: close`), its answer read to the end: all that a JSON
// call needs of HTTP, without node:http, whose modules cost every short CLI run (`sup list`) ~6 ms of a ~65 ms node
// start (docs/performance.md). Streams (NDJSON) and uploads use node:http, loaded when first used.
import { connect } from 'node:net'

/** Where the daemon listens: its unix socket, or a TCP address. */
export type Endpoint = { readonly socketPath: string } | { readonly host: string; readonly port: number }

export interface Exchange {
  readonly method: string
  /** Path and query, already encoded. */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | undefined
}

export interface Answer {
  readonly status: number
  /** Lower-case names. */
  readonly headers: ReadonlyMap<string, string>
  readonly body: Buffer
}

/** A connection error as node:http raises it, so that errorFromConnection says the same things (ECONNRESET: the daemon went away mid-answer). */
function connectionError (message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code })
}

const CUT_SHORT = 'the answer was cut short'
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/

/** `size[;extensions]` lines and their data, up to the last (0) chunk; throws when the bytes end before it. */
function unchunk (bytes: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = bytes.indexOf('\r\n', at)
    if (eol === -1) throw connectionError(CUT_SHORT, 'ECONNRESET')
    const sizeText = bytes.toString('latin1', at, eol).split(';')[0]?.trim() ?? ''
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw connectionError(`the answer's chunked body is malformed (chunk size '${sizeText.slice(0, 20)}')`)
    const size = parseInt(sizeText, 16)
    if (size === 0) return Buffer.concat(parts)
    const start = eol + 2
    if (bytes.length < start + size + 2) throw connectionError(CUT_SHORT, 'ECONNRESET')
    parts.push(bytes.subarray(start, start + size))
    at = start + size + 2
  }
}

interface Head { readonly status: number; readonly headers: ReadonlyMap<string, string>; readonly bodyAt: number }

/** The status line and headers; null while they are not all in; throws when they are no HTTP/1.x head. */
function parseHead (bytes: Buffer): Head | null {
  const headEnd = bytes.indexOf('\r\n\r\n')
  if (headEnd === -1) return null
  const [statusLine = '', ...lines] = bytes.toString('latin1', 0, headEnd).split('\r\n')
  const status = STATUS_LINE.exec(statusLine)
  if (status === null) throw connectionError('the answer is not HTTP/1.x')
  const headers = new Map<string, string>()
  for (const line of lines) {
    const h = HEADER_LINE.exec(line)
    if (h === null) throw connectionError(`the answer has a malformed header line: ${line.slice(0, 60)}`)
    const name = (h[1] ?? '').toLowerCase()
    const prior = headers.get(name)
    headers.set(name, prior === undefined ? h[2] ?? '' : `${prior}, ${h[2] ?? ''}`)
  }
  return { status: Number(status[1]), headers, bodyAt: headEnd + 4 }
}

/** Where the body ends, as the head tells: a total byte count (content-length), 'chunked', or 'eof'. */
function bodyEnd (head: Head): number | 'chunked' | 'eof' {
  if (/\bchunked\b/i.test(head.headers.get('transfer-encoding') ?? '')) return 'chunked'
  const length = head.headers.get('content-length')
  if (length === undefined) return 'eof'
  if (!/^\d{1,15}$/.test(length)) throw connectionError(`the answer's content-length is not a number: ${length.slice(0, 40)}`)
  return head.bodyAt + Number(length)
}

/**
 * Parses a whole answer read up to the connection's end: status line, headers, then the body by
 * `transfer-encoding: chunked`, by `content-length`, or up to the end. Throws (as a connection error) when the
 * bytes are no HTTP/1.x answer, or end before the body does.
 */
export function parseAnswer (bytes: Buffer): Answer {
  if (bytes.length === 0) throw connectionError('socket hang up', 'ECONNRESET')
  const head = parseHead(bytes)
  if (head === null) {
    const begins = /^HTTP\/1\.[01] \d{3}/.test(bytes.toString('latin1', 0, 12))
    throw begins ? connectionError(CUT_SHORT, 'ECONNRESET') : connectionError('the answer is not HTTP/1.x')
  }
  const end = bodyEnd(head)
  const rest = bytes.subarray(head.bodyAt)
  if (end === 'chunked') return { status: head.status, headers: head.headers, body: unchunk(rest) }
  if (end === 'eof') return { status: head.status, headers: head.headers, body: rest }
  if (bytes.length < end) throw connectionError(CUT_SHORT, 'ECONNRESET')
  return { status: head.status, headers: head.headers, body: bytes.subarray(head.bodyAt, end) }
}

/** The request's bytes: request line, `host`, `connection: close`, the given headers, the body. */
export function requestBytes (endpoint: Endpoint, req: Exchange): Buffer {
  const host = 'socketPath' in endpoint ? 'localhost' : `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`
  // as node:http: a path is sent as given, so what would break the request line is refused
  if (!/^\/[\x21-\x7e]*$/.test(req.path)) throw new TypeError(`the request path ${JSON.stringify(req.path)} holds a character it must not (escape it)`)
  const lines = [`${req.method} ${req.path} HTTP/1.1`, `host: ${host}`, 'connection: close']
  for (const [name, value] of Object.entries(req.headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new TypeError(`header ${JSON.stringify(name)} holds a line break`)
    lines.push(`${name}: ${value}`)
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(req.body ?? '', 'utf8')])
}

/**
 * Where an answer whose head is in `bytes` ends (bodyEnd); null while the head is incomplete. A malformed head is
 * 'eof': parseAnswer says what is wrong with it once the connection ends.
 */
export function answerEnd (bytes: Buffer): number | 'chunked' | 'eof' | null {
  try {
    const head = parseHead(bytes)
    return head === null ? null : bodyEnd(head)
  } catch {
    return 'eof'
  }
}

/** The last `n` bytes of what came in so far. */
function tail (chunks: readonly Buffer[], n: number): string {
  let text = ''
  for (let i = chunks.length - 1; i >= 0 && text.length < n; i--) text = (chunks[i] ?? Buffer.alloc(0)).subarray(-n).toString('latin1') + text
  return text.slice(-n)
}

export interface ExchangeOptions {
  /** Rejects with timeoutError() when the whole answer is not in within this many ms (none when absent or 0). */
  readonly timeoutMs?: number | undefined
  readonly timeoutError: () => Error
}

/** Sends one request and resolves with its whole answer; rejects with node's connection error, or as parseAnswer. */
export function exchange (endpoint: Endpoint, req: Exchange, opts: ExchangeOptions): Promise<Answer> {
  const bytes = requestBytes(endpoint, req)
  return new Promise<Answer>((resolve, reject) => {
    const socket = 'socketPath' in endpoint ? connect(endpoint.socketPath) : connect(endpoint.port, endpoint.host)
    const chunks: Buffer[] = []
    let timer: NodeJS.Timeout | undefined
    let done = false
    const finish = (fn: () => void): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      fn()
    }
    let size = 0
    let end: ReturnType<typeof answerEnd> = null
    /** True when the headers tell where the answer ends and it is all in (settleWith then parses it). */
    const isWhole = (): boolean => {
      if (typeof end === 'number') return size >= end
      if (end !== 'chunked' || tail(chunks, 5) !== '0\r\n\r\n') return false
      try { parseAnswer(Buffer.concat(chunks)); return true } catch { return false } // a chunk's own bytes end so
    }
    const settleWith = (): void => finish(() => { try { resolve(parseAnswer(Buffer.concat(chunks))) } catch (err) { reject(err) } })
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      if (end === null) {
        const head = Buffer.concat(chunks)
        chunks.splice(0, chunks.length, head)
        end = answerEnd(head)
      }
      // a whole answer is taken without waiting for the connection's end, as node:http does
      if (isWhole()) settleWith()
    })
    socket.on('end', settleWith)
    // a reset after a whole answer (the daemon going away right after it answered) does not undo the answer
    socket.on('error', (err) => { if (isWhole()) settleWith(); else finish(() => reject(err)) })
    socket.on('close', () => finish(() => reject(connectionError('socket hang up', 'ECONNRESET'))))
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) timer = setTimeout(() => finish(() => reject(opts.timeoutError())), opts.timeoutMs)
    socket.write(bytes)
  })
}
