// Streams an uploaded tar.gz into a directory: hashes and counts the upload, bounds every size, refuses hostile entries.
import { createHash } from 'node:crypto'
import { Transform, type Readable } from 'node:stream'
import type { ReadEntry } from 'tar'
import { SUP_ERR_BAD_ARCHIVE, SUP_ERR_NO_SPACE, SUP_ERR_TOO_LARGE } from '../errors.ts'
import { checkEntry, isNpmPackLayout, quoteEntry } from './archive-guard.ts'
import type { DeployLimits } from './limits.ts'
import { PathLocks } from './path-locks.ts'

export interface ExtractResult {
  /** sha256 (hex) of the uploaded bytes. */
  readonly sha256: string
  /** Uploaded bytes. */
  readonly size: number
  /** Sum of the extracted files' sizes. */
  readonly unpackedSize: number
  /** Entries extracted. */
  readonly files: number
}

type Limits = Pick<DeployLimits, 'maxBodyBytes' | 'maxUnpackedBytes' | 'maxEntries' | 'maxDepth'>

/** A byte counter in the pipe: fails with `onOver()` once more than `max` bytes went through. */
function meter (max: number, onChunk: (chunk: Buffer) => void, onOver: () => Error): Transform & { bytes: number } {
  const t = new Transform({
    transform (chunk: Buffer, _enc, cb) {
      t.bytes += chunk.length
      if (t.bytes > max) { cb(onOver()); return }
      onChunk(chunk)
      cb(null, chunk)
    }
  }) as Transform & { bytes: number }
  t.bytes = 0
  return t
}

/**
 * tar's Unpack takes its path locks from `reservations` and only calls `reserve(paths, job)`: ours forget an entry
 * once it is written (tar's keep every entry until the end: ~0.9 KB each, 100,000 entries held ~90 MB).
 */
function useForgetfulLocks (unpack: object): void {
  const u = unpack as { reservations?: { reserve?: unknown } }
  if (typeof u.reservations?.reserve !== 'function') throw new Error('tar\'s Unpack has no reservations.reserve any more: see deploy/path-locks.ts')
  u.reservations = new PathLocks()
}

/**
 * Extracts `body` (gzip'd tar) into `dir`, which must exist and be empty. Rejects with SUP_ERR_BAD_ARCHIVE or
 * SUP_ERR_TOO_LARGE naming the entry and the reason; the caller removes `dir` then.
 */
export async function extractArchive (body: Readable, dir: string, limits: Limits): Promise<ExtractResult> {
  // zlib, like tar below, is loaded by the first deploy: ~5 ms of every daemon start otherwise
  const { createGunzip } = await import('node:zlib')
  const hash = createHash('sha256')
  let refusal: Error | null = null
  let entries = 0
  let unpackedSize = 0
  let strip: boolean | null = null
  const upload = meter(limits.maxBodyBytes, (c) => hash.update(c), () => new SUP_ERR_TOO_LARGE(`the upload is larger than ${limits.maxBodyBytes} bytes`))
  const gunzip = createGunzip()
  let first = true
  const unpacked = meter(limits.maxUnpackedBytes, (c) => {
    // tar would decompress a nested gzip/zstd stream itself, past this meter: refuse it
    if (first && ((c[0] === 0x1f && c[1] === 0x8b) || (c[0] === 0x28 && c[1] === 0xb5 && c[2] === 0x2f && c[3] === 0xfd))) refuse(new SUP_ERR_BAD_ARCHIVE('a compressed stream inside the gzip (send one tar.gz)'))
    first = false
  }, () => new SUP_ERR_TOO_LARGE(`the archive unpacks to more than ${limits.maxUnpackedBytes} bytes`))

  const refuse = (err: Error): false => {
    refusal ??= err
    unpack.abort(err)
    return false
  }
  // tar is loaded by the first deploy, not at daemon start (start-up time and RSS of a daemon that never deploys)
  const { Unpack } = await import('tar')
  const unpack = new Unpack({
    cwd: dir,
    strict: true,
    preserveOwner: false,
    preservePaths: false,
    unlink: false,
    noMtime: false,
    maxDepth: limits.maxDepth + 1,
    processUmask: 0o022,
    umask: 0o022,
    filter: (_path, entry) => {
      const e = entry as ReadEntry
      strip ??= isNpmPackLayout(e.path)
      const v = checkEntry({ path: e.path, type: e.type, linkpath: e.linkpath, mode: e.mode }, strip, limits.maxDepth)
      if (v.kind === 'skip') return false
      if (v.kind === 'refuse') {
        const msg = `entry ${quoteEntry(e.path)}: ${v.reason}`
        return refuse(v.tooLarge === true ? new SUP_ERR_TOO_LARGE(msg) : new SUP_ERR_BAD_ARCHIVE(msg))
      }
      if (++entries > limits.maxEntries) return refuse(new SUP_ERR_TOO_LARGE(`more than ${limits.maxEntries} entries (at ${quoteEntry(e.path)})`))
      unpackedSize += e.size ?? 0
      if (unpackedSize > limits.maxUnpackedBytes) return refuse(new SUP_ERR_TOO_LARGE(`the archive unpacks to more than ${limits.maxUnpackedBytes} bytes (at ${quoteEntry(e.path)})`))
      e.path = v.path
      return true
    }
  })

  useForgetfulLocks(unpack)
  // tar cuts a pax `path`/`linkpath` (or a GNU long name) at its first NUL: `evil\0…` would silently become `evil`
  unpack.on('meta', (meta: string) => { if (/\0[^\0]/.test(meta)) refuse(new SUP_ERR_BAD_ARCHIVE('NUL byte inside a pax or long-name header (path or linkpath)')) })
  await new Promise<void>((resolve, reject) => {
    let done = false
    const fail = (err: unknown): void => {
      if (done) return
      done = true
      const why = refusal ?? toArchiveError(err)
      for (const s of [upload, gunzip, unpacked]) s.destroy()
      body.unpipe(upload)
      body.resume()
      reject(why)
    }
    body.once('error', (e) => fail(e))
    // A connection cut mid-upload (or before we read it) ends nothing: the body just closes
    const interrupted = (): void => fail(new SUP_ERR_BAD_ARCHIVE('the upload was interrupted'))
    body.once('close', () => { if (!body.readableEnded) interrupted() })
    if (body.destroyed && !body.readableEnded) { interrupted(); return }
    upload.once('error', fail)
    gunzip.once('error', fail)
    unpacked.once('error', fail)
    unpack.on('error', fail)
    unpack.on('close', () => {
      if (done) return
      if (refusal !== null) { fail(refusal); return }
      done = true
      resolve()
    })
    // After the archive's end blocks tar reads no more: the rest is still decompressed (and counted) but dropped
    // (on the next tick: 'eof' fires inside a write, after which pipe() would pause the source again)
    unpack.once('eof', () => setImmediate(() => {
      unpacked.unpipe(unpack as unknown as NodeJS.WritableStream)
      unpacked.on('data', () => undefined).resume()
      unpacked.once('end', () => unpack.end())
    }))
    body.pipe(upload).pipe(gunzip).pipe(unpacked)
    unpacked.pipe(unpack as unknown as NodeJS.WritableStream)
  })
  if (entries === 0) throw new SUP_ERR_BAD_ARCHIVE('the archive is empty')
  return { sha256: hash.digest('hex'), size: upload.bytes, unpackedSize, files: entries }
}

/** Maps a stream error (zlib, tar) to a 4xx that says what was wrong with the archive. */
function toArchiveError (err: unknown): Error {
  const e = err as { code?: unknown; message?: string; path?: string }
  if (err instanceof Error && typeof e.code === 'string' && e.code.startsWith('SUP_ERR_')) return err
  // A full disk is the server's problem, not the archive's (507, its own code)
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return new SUP_ERR_NO_SPACE(`${e.code} while unpacking${typeof e.path === 'string' ? ` ${quoteEntry(e.path)}` : ''}`)
  if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR' || e.code === 'ERR_ZLIB') return new SUP_ERR_BAD_ARCHIVE(`not a valid gzip stream (${e.message ?? 'zlib error'})`)
  const where = typeof e.path === 'string' ? `entry ${quoteEntry(e.path)}: ` : ''
  return new SUP_ERR_BAD_ARCHIVE(`${where}${e.message ?? String(err)}`)
}
