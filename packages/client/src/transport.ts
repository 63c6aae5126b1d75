// JSON over HTTP to the daemon: its unix socket by default, or a TCP base URL with a bearer token. A JSON call is one
// exchange over node:net (http-exchange.ts); node:http is loaded by the first stream or upload.
import type { IncomingMessage, RequestOptions } from 'node:http'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { errorFromBody, errorFromConnection, socketPathProblem, SupClientError, SUP_ERR_CLIENT_BAD_RESPONSE, SUP_ERR_CLIENT_OPTIONS, SUP_ERR_CLIENT_TIMEOUT, type Target } from './errors.ts'
import { exchange, type Endpoint } from './http-exchange.ts'
import { readNdjson } from './ndjson.ts'
import { sendUpload, type UploadRequest } from './upload.ts'

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'
export type QueryValue = string | number | boolean | undefined

/** One call: a JSON body (optional), a query string (undefined values are left out) and a timeout (none when absent). */
export interface JsonRequest {
  method: Method
  path: string
  query?: Readonly<Record<string, QueryValue>>
  body?: unknown
  timeoutMs?: number | undefined
  /** Resolve with the answer's text as is (GET /metrics); errors are still parsed as JSON. */
  text?: boolean
}

/** A GET whose answer is NDJSON, read line by line. `timeoutMs` bounds the wait for the answer to start, not the stream. */
export interface StreamRequest {
  path: string
  query?: Readonly<Record<string, QueryValue>>
  signal?: AbortSignal | undefined
  timeoutMs?: number | undefined
}

export interface TransportOptions {
  /** Unix socket of the daemon; used unless baseUrl is given. */
  socketPath?: string | undefined
  /** `http://127.0.0.1:9002` for the TCP API (then `token` is sent as a bearer token). */
  baseUrl?: string | undefined
  token?: string | undefined
}

export interface Transport {
  /** The socket path or base URL, for messages. */
  readonly target: string
  request<T>(req: JsonRequest): Promise<T>
  /** Each line of an NDJSON answer as it arrives; ends (no error) when `signal` aborts; an error answer rejects. */
  stream<T>(req: StreamRequest): AsyncGenerator<T>
  /** A POST whose body is streamed (a deploy's tarball); the answer is JSON. */
  upload<T>(req: UploadRequest): Promise<T>
}

/** `$SUP_HOME` made absolute, else `~/.sup`. */
export function defaultHome (env: NodeJS.ProcessEnv = process.env): string {
  const home = env.SUP_HOME
  return home === undefined || home === '' ? join(homedir(), '.sup') : resolve(home)
}

/** The API socket inside a sup home. */
export function socketPathOf (home: string): string {
  return join(home, 'sup.sock')
}

/** `path?query` with each defined value URI-encoded. */
export function buildPath (path: string, query: Readonly<Record<string, QueryValue>> = {}): string {
  const parts: string[] = []
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
  }
  return parts.length === 0 ? path : `${path}?${parts.join('&')}`
}

/** The JSON of an answer, or the decoded error it holds (thrown). */
function jsonOfAnswer<T> (status: number, text: string): T {
  let body: unknown
  let parsed = true
  try {
    body = text === '' ? undefined : JSON.parse(text)
  } catch {
    parsed = false
  }
  if (status >= 400) throw errorFromBody(status, body, text)
  if (!parsed) {
    throw new SupClientError(SUP_ERR_CLIENT_BAD_RESPONSE, `The daemon answered HTTP ${status} with a body that is not JSON: ${text.slice(0, 200)}`, { statusCode: status })
  }
  return body as T
}

/** A transport bound to one daemon; each request opens its own connection (no pooled sockets keep the CLI alive). */
export function createTransport (options: TransportOptions): Transport {
  const base = options.baseUrl === undefined ? undefined : new URL(options.baseUrl)
  if (base !== undefined && base.protocol !== 'http:') {
    throw new SupClientError(SUP_ERR_CLIENT_OPTIONS, `Unsupported baseUrl protocol '${base.protocol}' (only http: is supported)`)
  }
  const socketPath = base === undefined ? (options.socketPath ?? socketPathOf(defaultHome())) : undefined
  const target: Target = base === undefined ? { socketPath: socketPath ?? '' } : { baseUrl: base.origin }
  /** Every call is refused with this, without connecting, when the socket path is too long to be one. */
  const unusable = (): SupClientError | null => socketPath === undefined ? null : socketPathProblem(socketPath)

  function httpOptions (method: Method, path: string, headers: Record<string, string>): RequestOptions {
    if (base !== undefined && options.token !== undefined) headers.authorization = `Bearer ${options.token}`
    // servername '' (a TLS name; these requests are plain HTTP): else node's agent asks net.isIP() of the host, whose
    // first call compiles the IPv6 pattern, ~10 ms of every short CLI run.
    const http: RequestOptions & { servername: string } = { method, path, headers, agent: false, servername: '' }
    if (base === undefined) http.socketPath = socketPath
    else {
      http.host = base.hostname.replace(/^\[|\]$/g, '')
      http.port = base.port === '' ? 80 : Number(base.port)
      http.path = `${base.pathname.replace(/\/$/, '')}${path}`
    }
    return http
  }

  const timeoutError = (what: string, ms: number): SupClientError => new SupClientError(SUP_ERR_CLIENT_TIMEOUT, `The daemon did not answer ${what} within ${ms} ms`, {
    hint: 'the daemon may be overloaded or stuck: check its log (daemon.log in SUP_HOME)'
  })

  const endpoint: Endpoint = base === undefined
    ? { socketPath: socketPath ?? '' }
    : { host: base.hostname.replace(/^\[|\]$/g, ''), port: base.port === '' ? 80 : Number(base.port) }
  const pathPrefix = base === undefined ? '' : base.pathname.replace(/\/$/, '')

  async function request<T> (req: JsonRequest): Promise<T> {
    const refused = unusable()
    if (refused !== null) throw refused
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body)
    const headers: Record<string, string> = { accept: req.text === true ? 'text/plain' : 'application/json', 'content-length': String(payload === undefined ? 0 : Buffer.byteLength(payload)) }
    if (payload !== undefined) headers['content-type'] = 'application/json'
    if (base !== undefined && options.token !== undefined) headers.authorization = `Bearer ${options.token}`
    const path = `${pathPrefix}${buildPath(req.path, req.query)}`
    let answer
    try {
      answer = await exchange(endpoint, { method: req.method, path, headers, body: payload }, {
        timeoutMs: req.timeoutMs,
        timeoutError: () => timeoutError(`${req.method} ${req.path}`, req.timeoutMs ?? 0)
      })
    } catch (err) {
      throw err instanceof SupClientError ? err : errorFromConnection(err, target)
    }
    const text = answer.body.toString('utf8')
    return req.text === true && answer.status < 400 ? text as T : jsonOfAnswer<T>(answer.status, text)
  }

  /** Resolves with the answer once it starts (null when aborted first); an error status rejects with its decoded body. */
  async function open (req: StreamRequest): Promise<IncomingMessage | null> {
    const refused = unusable()
    if (refused !== null) throw refused
    const http = { ...httpOptions('GET', buildPath(req.path, req.query), { accept: 'application/x-ndjson' }), signal: req.signal }
    const { request: httpRequest } = await import('node:http')
    return new Promise((resolvePromise, reject) => {
      let timer: NodeJS.Timeout | undefined
      const client = httpRequest(http, (res) => {
        clearTimeout(timer)
        if ((res.statusCode ?? 0) < 400) return resolvePromise(res)
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => { text += chunk })
        res.on('error', (err) => reject(errorFromConnection(err, target)))
        res.on('end', () => { try { jsonOfAnswer(res.statusCode ?? 0, text) } catch (err) { reject(err) } })
      })
      client.on('error', (err) => {
        clearTimeout(timer)
        if (req.signal?.aborted === true) resolvePromise(null)
        else reject(err instanceof SupClientError ? err : errorFromConnection(err, target))
      })
      if (req.timeoutMs !== undefined && req.timeoutMs > 0) {
        const ms = req.timeoutMs
        timer = setTimeout(() => client.destroy(timeoutError(`GET ${req.path}`, ms)), ms)
      }
      client.end()
    })
  }

  async function * stream<T> (req: StreamRequest): AsyncGenerator<T> {
    const res = await open(req)
    if (res === null) return
    try {
      yield * readNdjson<T>(res, target, req.signal)
    } finally {
      res.destroy()
    }
  }

  function upload<T> (req: UploadRequest): Promise<T> {
    const refused = unusable()
    if (refused !== null) return Promise.reject(refused)
    return sendUpload<T>(httpOptions('POST', req.path, {}), req, { target, parse: jsonOfAnswer, timeoutError })
  }

  return { target: target.socketPath ?? target.baseUrl ?? '', request, stream, upload }
}
