// The workers' FIFOs under logs/.pipes and their rotation sidecars: names and the collector's read end (the daemon
// makes them: fifo-maker.ts).
import { constants, lstatSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { Socket } from 'node:net'
import { DEFAULT_LOGS } from '../core/defaults.ts'
import type { RotationLimits } from './rotating-file.ts'

/** The apps' defaults (10 MiB × 5 files per worker), used when a worker has no valid sidecar. */
export const DEFAULT_ROTATION: RotationLimits = { maxSize: DEFAULT_LOGS.maxSize, files: DEFAULT_LOGS.files }

export interface WorkerPipePaths {
  readonly out: string
  readonly err: string
  /** `{ maxSize, files }` JSON, written by the daemon, read by sup-logd on each scan. */
  readonly config: string
}

/** What a name under the pipes dir stands for; app names may contain '-', so the instance follows the LAST one. */
export interface PipeName {
  readonly app: string
  readonly instance: number
  readonly kind: 'out' | 'err' | 'config'
}

/** One worker's FIFOs found on disk, with their inodes. */
export interface WorkerFifos {
  readonly app: string
  readonly instance: number
  readonly fifos: Map<'out' | 'err', { path: string; ino: number }>
}

const PIPE_NAME = /^(.+)-(\d{1,6})\.(out|err|json)$/

/**
 * `dir/name` for a directory sup already holds as an absolute, normalized path (SUP_HOME's, resolved once) and a name
 * with no '/'. Not path.join: it normalizes the whole path a character at a time, and sup-logd's scans called it so
 * often that V8 compiled it with its optimizing tiers within a minute (their code pages stay in the process's RSS).
 */
const under = (dir: string, name: string): string => `${dir}/${name}`

/** Where one worker's pipes live: the daemon creates them, sup-logd finds them by these names. */
export function workerPipePaths (pipesDir: string, app: string, instance: number): WorkerPipePaths {
  const base = under(pipesDir, `${app}-${instance}`)
  return { out: `${base}.out`, err: `${base}.err`, config: `${base}.json` }
}

/** The current log file of a worker (rotated ones add `.1`, `.2`, …). */
export function workerLogPath (logsDir: string, app: string, instance: number): string {
  return under(logsDir, `${app}-${instance}.log`)
}

/** Inverse of workerPipePaths for one file name; null for anything else (temp files, strays). */
export function parsePipeName (name: string): PipeName | null {
  const m = PIPE_NAME.exec(name)
  if (m === null) return null
  const [, app, instance, ext] = m
  if (app === undefined || instance === undefined) return null
  return { app, instance: Number(instance), kind: ext === 'json' ? 'config' : ext === 'err' ? 'err' : 'out' }
}

export interface FifoReader {
  readonly socket: Socket
  /** The fd the socket reads (non-blocking): the collector drains it with readSync before closing. */
  readonly fd: number
  /** Inode of the FIFO opened: a FIFO deleted and made again under the same name is a new one. */
  readonly ino: number
}

/**
 * Opens a FIFO's read end for the collector. O_RDWR never blocks on a FIFO (O_RDONLY waits for a writer)
 * and, as we hold a write end, a read never sees EOF between two incarnations of the worker. O_NONBLOCK
 * lets close() drain it with readSync until EAGAIN. net.Socket over the fd reads it in libuv's event loop
 * (checked on Node 20: a FIFO fd becomes a Pipe handle; fs.createReadStream would block a threadpool thread).
 */
export function openFifoReader (path: string): FifoReader {
  const st = lstatSync(path)
  if (!st.isFIFO()) throw new Error(`${path} is not a FIFO`)
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK)
  const socket = new Socket({ fd, readable: true, writable: false })
  return { socket, fd, ino: st.ino }
}

/** Writes a worker's rotation sidecar atomically (tmp + rename: sup-logd never reads half a file). */
export function writeRotationConfig (path: string, limits: RotationLimits): void {
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, `${JSON.stringify({ maxSize: limits.maxSize, files: limits.files })}\n`, { mode: 0o600 })
  renameSync(tmp, path)
}

/** Reads a sidecar; a missing or invalid one yields the defaults (a worker always gets a bounded log). */
export function readRotationConfig (path: string): RotationLimits {
  let raw: unknown
  try { raw = JSON.parse(readFileSync(path, 'utf8')) } catch { return DEFAULT_ROTATION }
  if (typeof raw !== 'object' || raw === null) return DEFAULT_ROTATION
  const { maxSize, files } = raw as Record<string, unknown>
  const isCount = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= max
  return {
    maxSize: isCount(maxSize, Number.MAX_SAFE_INTEGER) ? maxSize : DEFAULT_ROTATION.maxSize,
    files: isCount(files, DEFAULT_LOGS.maxFiles) ? files : DEFAULT_ROTATION.files
  }
}

/** The workers that have FIFOs under pipesDir, keyed `<app>-<i>` (sidecars and strays ignored); null when it cannot be read (missing). */
export function findWorkerFifos (pipesDir: string): Map<string, WorkerFifos> | null {
  const found = new Map<string, WorkerFifos>()
  let names: string[]
  try { names = readdirSync(pipesDir) } catch { return null }
  for (const name of names) {
    const p = parsePipeName(name)
    if (p === null || p.kind === 'config') continue
    const path = under(pipesDir, name)
    const st = statSync(path, { throwIfNoEntry: false })
    if (st?.isFIFO() !== true) continue
    const key = `${p.app}-${p.instance}`
    const entry = found.get(key) ?? { app: p.app, instance: p.instance, fifos: new Map() }
    entry.fifos.set(p.kind, { path, ino: st.ino })
    found.set(key, entry)
  }
  return found
}

/** Changes whenever an entry of the directory is made, removed or renamed (its mtime and ctime move); 'none' when it cannot be read. */
export function dirStamp (dir: string): string {
  try {
    const st = statSync(dir)
    return `${st.ino}:${st.mtimeMs}:${st.ctimeMs}`
  } catch {
    return 'none'
  }
}

/** Changes whenever a sidecar is rewritten (tmp + rename gives a new inode): the collector re-reads it then. */
export function sidecarStamp (path: string): string {
  const st = statSync(path, { throwIfNoEntry: false })
  return st === undefined ? 'none' : `${st.ino}:${st.size}:${st.mtimeMs}`
}

/** Reads what a FIFO (opened O_NONBLOCK) holds right now, up to about maxBytes: for a collector about to close it. */
export function drainFifo (fd: number, maxBytes: number, onChunk: (chunk: Buffer) => void): void {
  const buf = Buffer.allocUnsafe(65_536)
  for (let total = 0, n = readAvailable(fd, buf); n > 0 && total < maxBytes; total += n, n = readAvailable(fd, buf)) {
    onChunk(Buffer.from(buf.subarray(0, n)))
  }
}

/** One non-blocking read of a FIFO: 0 when it holds nothing right now (EAGAIN). */
function readAvailable (fd: number, buf: Buffer): number {
  try {
    return readSync(fd, buf, 0, buf.length, null)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return 0
    throw err
  }
}
