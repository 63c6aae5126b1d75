// A streamed request body (a deploy's tarball): piped chunk by chunk with backpressure, counted, never buffered whole.
import type { RequestOptions } from 'node:http'
import { Transform, type Readable } from 'node:stream'
import { errorFromConnection, SupClientError, SUP_ERR_CLIENT_ABORTED, SUP_ERR_CLIENT_DEPLOY_SOURCE, SUP_ERR_CLIENT_UPLOAD_CUT, type Target } from './errors.ts'

/** A POST whose body is a stream; the answer is JSON. */
export interface UploadRequest {
  path: string
  body: Readable
  /** Default application/gzip. */
  contentType?: string
  /** Called with the bytes sent so far, after each chunk. */
  onProgress?: ((sentBytes: number) => void) | undefined
  /** Bounds the whole call, upload and answer (none when absent or 0). */
  timeoutMs?: number | undefined
  signal?: AbortSignal | undefined
}

const CUT_CODES: ReadonlySet<string> = new Set(['EPIPE', 'ECONNRESET'])
const isCut = (err: unknown): boolean => CUT_CODES.has(String((err as { code?: unknown }).code))

/**
 * The daemon closed the connection while the body was still being sent: it refused the upload before reading it
 * all (too large, a bad archive, no token) and its answer was lost in the reset.
 */
function uploadCut (target: Target, cause: unknown): SupClientError {
  const where = target.socketPath ?? target.baseUrl ?? 'the daemon'
  return new SupClientError(SUP_ERR_CLIENT_UPLOAD_CUT, `The daemon on ${where} closed the connection before the whole upload was sent (${String((cause as { code?: unknown }).code)}): it refuses an upload over its size limit, a bad archive or a missing token before reading it all`, {
    hint: "its log (daemon.log in its SUP_HOME) says which; the size limit is SUP_DEPLOY_MAX_BODY (default 200M) in the daemon's environment",
    cause
  })
}

/** A pass-through that counts bytes and reports them. */
export function progressMeter (onProgress: ((sentBytes: number) => void) | undefined): Transform {
  let sent = 0
  return new Transform({
    transform (chunk: Buffer, _enc, cb) {
      sent += chunk.length
      onProgress?.(sent)
      cb(null, chunk)
    }
  })
}

export interface UploadDeps {
  readonly target: Target
  /** The JSON answer, or the decoded error it holds (thrown). */
  readonly parse: <T>(status: number, text: string) => T
  readonly timeoutError: (what: string, ms: number) => SupClientError
}

/**
 * Sends `req.body` chunked. The daemon may answer before it has read everything (a refused archive, a missing
 * token): its answer wins over the write error that follows, and the rest of the body is not sent.
 */
export async function sendUpload<T> (http: RequestOptions, req: UploadRequest, deps: UploadDeps): Promise<T> {
  // loaded by the first upload, not by every CLI run
  const [{ request: httpRequest }, { pipeline }] = await Promise.all([import('node:http'), import('node:stream/promises')])
  return new Promise<T>((resolvePromise, reject) => {
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const client = httpRequest({ ...http, method: 'POST', headers: { ...http.headers, accept: 'application/json', 'content-type': req.contentType ?? 'application/gzip' } })
    const settle = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.signal?.removeEventListener('abort', onAbort)
      fn()
      // Whatever is still being sent goes nowhere now: stop reading the source (a tar of a directory) too.
      if (!client.writableFinished) {
        req.body.destroy()
        client.destroy()
      }
    }
    const fail = (err: unknown): void => settle(() => reject(err instanceof SupClientError ? err : errorFromConnection(err, deps.target)))
    let answered = false
    client.on('response', (res) => {
      answered = true
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('error', fail)
      res.on('close', () => { if (!res.complete) fail(new Error('the answer was cut short')) })
      res.on('end', () => settle(() => {
        try { resolvePromise(deps.parse<T>(res.statusCode ?? 0, text)) } catch (err) { reject(err) }
      }))
    })
    const onAbort = (): void => fail(new SupClientError(SUP_ERR_CLIENT_ABORTED, `Upload to ${req.path} aborted`, { cause: req.signal?.reason }))
    if (req.signal?.aborted === true) { onAbort(); return }
    req.signal?.addEventListener('abort', onAbort, { once: true })
    if (req.timeoutMs !== undefined && req.timeoutMs > 0) {
      const ms = req.timeoutMs
      timer = setTimeout(() => fail(deps.timeoutError(`POST ${req.path}`, ms)), ms)
    }
    let connectionError: unknown
    client.on('error', (err) => {
      connectionError = err
      // The whole body went out and the daemon died before answering: nothing else would ever settle this promise
      if (client.writableFinished && !answered) fail(err)
    })
    client.on('close', () => { if (!answered && client.writableFinished) fail(connectionError ?? new Error('socket hang up')) })
    pipeline(req.body, progressMeter(req.onProgress), client).catch((err: unknown) => {
      // A write error after the daemon answered is the daemon closing an upload it refused: the answer says why.
      if (answered || settled) return
      if (connectionError === undefined) {
        // The source failed (a file of the directory became unreadable...): that is the error, not the connection.
        fail(new SupClientError(SUP_ERR_CLIENT_DEPLOY_SOURCE, `Reading the upload failed: ${(err as Error).message}`, { cause: err }))
      } else if (isCut(connectionError)) fail(uploadCut(deps.target, connectionError))
      else fail(connectionError)
    })
  })
}
