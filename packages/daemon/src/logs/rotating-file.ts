// An append-only log file capped by size: `.log` → `.log.1` → … → `.log.<files-1>`, the oldest deleted (docs/logs.md).
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

export interface RotationLimits {
  /** Bytes per file: a write that would take the current file over it goes to a fresh file. */
  readonly maxSize: number
  /** Files kept, the current one included; 1 = the one file, emptied when full. */
  readonly files: number
}

export interface RotatingFile {
  /**
   * Appends `buf` synchronously, rotating first whenever the next whole line would not fit. Throws the fs
   * error (ENOSPC, EIO…) with `bytesWritten`: the leading bytes of `buf` already on disk, always whole lines.
   */
  write (buf: Buffer): void
  /** Bytes in the current file. */
  size (): number
  /** New limits take effect at the next write; dropping `files` deletes the surplus rotated files now. */
  setLimits (limits: RotationLimits): void
  close (): void
}

/** The fs error of a failed write, with how much of the buffer made it (see RotatingFile.write). */
export type RotatingWriteError = NodeJS.ErrnoException & { bytesWritten: number }

const NL = 0x0a
const FILE_MODE = 0o600
/** Read too: the end of a file taken over is checked (cutTornTail). O_APPEND only moves the writes. */
const APPEND = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT
/** How much of a file's end is read at a time, looking for its last line end. */
const TAIL_CHUNK = 64 * 1024

function checkLimits (l: RotationLimits): RotationLimits {
  if (!Number.isSafeInteger(l.maxSize) || l.maxSize < 1) throw new RangeError(`maxSize must be a positive integer, got ${l.maxSize}`)
  if (!Number.isSafeInteger(l.files) || l.files < 1) throw new RangeError(`files must be a positive integer, got ${l.files}`)
  return { maxSize: l.maxSize, files: l.files }
}

/**
 * Cuts a file of `size` bytes back to its last line end; returns the size left. A writer killed in a write (a SIGKILLed
 * sup-logd: the kernel ends a large write(2) at a page when a fatal signal is pending) left part of a record there, and
 * the next writer's first record would be glued to it: a line no reader can parse.
 */
function cutTornTail (fd: number, size: number): number {
  const chunk = Buffer.alloc(Math.min(size, TAIL_CHUNK))
  for (let end = size; end > 0;) {
    const from = Math.max(0, end - chunk.length)
    const n = readSync(fd, chunk, 0, end - from, from)
    const nl = n === 0 ? -1 : chunk.lastIndexOf(NL, n - 1)
    if (nl !== -1) {
      const whole = from + nl + 1
      if (whole < size) ftruncateSync(fd, whole)
      return whole
    }
    end = from
  }
  ftruncateSync(fd, 0)
  return 0
}

/** Deletes `<name>.<n>` for every n ≥ files: rotated files a larger `files` setting left behind. */
function pruneSurplus (path: string, files: number): void {
  const prefix = `${basename(path)}.`
  let names: string[]
  try { names = readdirSync(dirname(path)) } catch { return }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const n = name.slice(prefix.length)
    if (/^[1-9]\d*$/.test(n) && Number(n) >= files) rmSync(join(dirname(path), name), { force: true })
  }
}

/** Opens (creating, mode 0600) or continues `path`. Disk use stays ≤ maxSize × files, plus one line per file at most. */
export function openRotatingFile (path: string, initial: RotationLimits): RotatingFile {
  let limits = checkLimits(initial)
  let fd: number | null = null
  let current = 0
  let isClosed = false

  const open = (flags: number): number => {
    const opened = openSync(path, flags, FILE_MODE)
    fd = opened
    const size = fstatSync(opened).size
    current = size === 0 ? 0 : cutTornTail(opened, size)
    return opened
  }
  const closeFd = (): void => {
    if (fd !== null) closeSync(fd)
    fd = null
  }

  // Shifts the chain; renameSync replaces the oldest. files=1: the one file starts over empty.
  const rotate = (): void => {
    closeFd()
    if (limits.files === 1) {
      open(APPEND | constants.O_TRUNC)
      return
    }
    for (let k = limits.files - 1; k >= 1; k--) {
      try {
        renameSync(k === 1 ? path : `${path}.${k - 1}`, `${path}.${k}`)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
    open(APPEND)
  }

  // Writes buf[start, end) whole or not at all: a failed write is truncated away, so no torn line stays on disk.
  const append = (target: number, buf: Buffer, start: number, end: number): void => {
    let at = start
    try {
      while (at < end) at += writeSync(target, buf, at, end - at)
    } catch (err) {
      if (at > start) {
        try { ftruncateSync(target, current) } catch { current = fstatSync(target).size }
      }
      throw err
    }
    current += end - start
  }

  // Where the next piece of buf[at…] ends: the whole lines that fit, or null when the file must rotate first.
  const pieceEnd = (buf: Buffer, at: number): number | null => {
    const room = limits.maxSize - current
    if (buf.length - at <= room) return buf.length
    const end = room > 0 ? buf.lastIndexOf(NL, at + room - 1) + 1 : 0
    if (end > at) return end
    if (current > 0) return null
    const nl = buf.indexOf(NL, at) // an empty file takes one line even when it is over maxSize alone
    return nl === -1 ? buf.length : nl + 1
  }

  open(APPEND)
  pruneSurplus(path, limits.files)

  return {
    write (buf) {
      if (isClosed) throw new Error(`${path} is closed`)
      let at = 0
      try {
        while (at < buf.length) {
          const target = fd ?? open(APPEND)
          const end = pieceEnd(buf, at)
          if (end === null) {
            rotate()
            continue
          }
          append(target, buf, at, end)
          at = end
        }
      } catch (err) {
        throw Object.assign(err as NodeJS.ErrnoException, { bytesWritten: at })
      }
    },
    size: () => current,
    setLimits (next) {
      const old = limits
      limits = checkLimits(next)
      if (limits.files < old.files) pruneSurplus(path, limits.files)
    },
    close () {
      if (isClosed) return
      isClosed = true
      closeFd()
    }
  }
}
