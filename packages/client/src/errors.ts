// SupClientError: a daemon error body, or a failure to reach the daemon, as one thrown error with a code.
import { MAX_SOCKET_PATH_BYTES as SOCKET_PATH_LIMIT } from '@sup/protocol/socket'

/** No daemon answers on the socket (ENOENT: no socket file; ECONNREFUSED: a stale one; ENOTDIR: no home there). */
export const SUP_ERR_DAEMON_UNREACHABLE = 'SUP_ERR_DAEMON_UNREACHABLE'
/** The daemon went away while it handled the request (crashed, killed, stopped): what it was doing may be half done. */
export const SUP_ERR_DAEMON_LOST = 'SUP_ERR_DAEMON_LOST'
/** The daemon did not answer within the call's timeout. */
export const SUP_ERR_CLIENT_TIMEOUT = 'SUP_ERR_CLIENT_TIMEOUT'
/** Any other connection failure (permission denied, connection reset mid-answer...). */
export const SUP_ERR_CLIENT_CONNECTION = 'SUP_ERR_CLIENT_CONNECTION'
/** The daemon answered something that is not the JSON the API promises. */
export const SUP_ERR_CLIENT_BAD_RESPONSE = 'SUP_ERR_CLIENT_BAD_RESPONSE'
/** createClient() was given options it cannot use (a socket path longer than a unix socket path can be, too). */
export const SUP_ERR_CLIENT_OPTIONS = 'SUP_ERR_CLIENT_OPTIONS'
/** waitFor(): the app's workers did not all reach the state in time. */
export const SUP_ERR_CLIENT_WAIT_TIMEOUT = 'SUP_ERR_CLIENT_WAIT_TIMEOUT'
/** An upload was aborted through its AbortSignal. */
export const SUP_ERR_CLIENT_ABORTED = 'SUP_ERR_CLIENT_ABORTED'
/** An upload was cut: the daemon closed the connection before reading it all, and its answer was lost. */
export const SUP_ERR_CLIENT_UPLOAD_CUT = 'SUP_ERR_CLIENT_UPLOAD_CUT'
/** deploy(): the directory to deploy cannot be read, or is not a directory. */
export const SUP_ERR_CLIENT_DEPLOY_SOURCE = 'SUP_ERR_CLIENT_DEPLOY_SOURCE'

export interface SupClientErrorOptions {
  /** The HTTP status; 0 when no HTTP answer arrived. */
  statusCode?: number
  hint?: string | undefined
  cause?: unknown
  /** The new workers' (or npm's) last output lines, when a deploy failed. */
  output?: readonly string[] | undefined
}

/** Every failure of the client: `code` is the daemon's (`SUP_ERR_APP_NOT_FOUND`...) or one of the client's above. */
export class SupClientError extends Error {
  readonly code: string
  readonly statusCode: number
  declare readonly hint?: string
  /** On SUP_ERR_DEPLOY_FAILED / SUP_ERR_INSTALL_FAILED: the new workers' (or npm's) last output lines. */
  declare readonly output?: readonly string[]

  constructor (code: string, message: string, options: SupClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SupClientError'
    this.code = code
    this.statusCode = options.statusCode ?? 0
    if (options.hint !== undefined) this.hint = options.hint
    if (options.output !== undefined) this.output = options.output
  }
}

/** Narrows an unknown rejection to a SupClientError, optionally with a given code. */
export function isSupClientError (err: unknown, code?: string): err is SupClientError {
  return err instanceof SupClientError && (code === undefined || err.code === code)
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Decodes an error answer: sup's `{error:{code,message,hint?}}`, fastify's `{statusCode,code,message}`, or anything else. */
export function errorFromBody (statusCode: number, body: unknown, rawText = ''): SupClientError {
  const inner = isRecord(body) && isRecord(body.error) ? body.error : body
  if (isRecord(inner) && typeof inner.code === 'string' && typeof inner.message === 'string') {
    const hint = typeof inner.hint === 'string' ? inner.hint : undefined
    const output = Array.isArray(inner.output) ? inner.output.filter((l): l is string => typeof l === 'string') : undefined
    return new SupClientError(inner.code, inner.message, { statusCode, hint, output })
  }
  const snippet = rawText.trim().slice(0, 200)
  return new SupClientError(SUP_ERR_CLIENT_BAD_RESPONSE, `The daemon answered HTTP ${statusCode}${snippet === '' ? '' : `: ${snippet}`}`, { statusCode })
}

/** Where the client talks to, for messages: a socket path or a base URL. */
export interface Target { socketPath?: string; baseUrl?: string }

function logPathOf (socketPath: string): string {
  const slash = socketPath.lastIndexOf('/')
  return `${slash <= 0 ? '' : socketPath.slice(0, slash)}/daemon.log`
}

/** A unix socket path takes at most 107 bytes on Linux: a longer `<SUP_HOME>/sup.sock` is refused before connecting. */
export const MAX_SOCKET_PATH_BYTES: number = SOCKET_PATH_LIMIT // typed here: the packed client's types name no @sup/protocol

/**
 * Why no daemon can listen on `socketPath`: it is longer than a unix socket path can be (connect() would try it cut
 * short). null when it fits.
 */
export function socketPathProblem (socketPath: string): SupClientError | null {
  const bytes = Buffer.byteLength(socketPath)
  if (bytes <= MAX_SOCKET_PATH_BYTES) return null
  return new SupClientError(SUP_ERR_CLIENT_OPTIONS, `SUP_HOME is too long: its socket ${socketPath} would be ${bytes} bytes, and a unix socket path takes at most ${MAX_SOCKET_PATH_BYTES}`, {
    hint: 'set SUP_HOME to a shorter directory (the socket is <SUP_HOME>/sup.sock)'
  })
}

/** Turns a socket-level error (ENOENT, ECONNREFUSED, EACCES, ECONNRESET...) into a SupClientError with a hint. */
export function errorFromConnection (err: unknown, target: Target): SupClientError {
  const errno = isRecord(err) && typeof err.code === 'string' ? err.code : undefined
  const where = target.socketPath ?? target.baseUrl ?? 'the daemon'
  // ENOTDIR: a part of SUP_HOME is a file; a daemon started there says why it cannot make its home
  if (errno === 'ENOENT' || errno === 'ECONNREFUSED' || errno === 'ENOTDIR') {
    const hint = target.socketPath === undefined
      ? `is a sup daemon listening on ${where}?`
      : `start it with \`sup daemon\` (any other sup command starts it too); its log is ${logPathOf(target.socketPath)}`
    return new SupClientError(SUP_ERR_DAEMON_UNREACHABLE, `No sup daemon answers on ${where} (${errno})`, { hint, cause: err })
  }
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new SupClientError(SUP_ERR_CLIENT_CONNECTION, `Permission denied connecting to ${where}`, {
      hint: 'the socket belongs to another user: run sup as that user, or set SUP_HOME to your own directory',
      cause: err
    })
  }
  const detail = err instanceof Error ? err.message : String(err)
  if (errno === 'ECONNRESET' || errno === 'EPIPE' || detail === 'socket hang up') {
    return new SupClientError(SUP_ERR_DAEMON_LOST, `The sup daemon on ${where} went away before answering (${detail}): it crashed, was killed or was stopped`, {
      hint: `what it was doing may be incomplete: check with \`sup list\` (the next command starts a new daemon)${target.socketPath === undefined ? '' : `; its log is ${logPathOf(target.socketPath)}`}`,
      cause: err
    })
  }
  return new SupClientError(SUP_ERR_CLIENT_CONNECTION, `Connection to the daemon on ${where} failed: ${detail}`, {
    hint: target.socketPath === undefined ? undefined : `did the daemon crash? see ${logPathOf(target.socketPath)}`,
    cause: err
  })
}
