// Reads /proc (Linux): process start times and the SUP_MARKER of every live process, without spawning `ps`.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import type { ProcessTable } from '../core/ports.ts'

const MARKER_KEY = Buffer.from('SUP_MARKER=')
/** Field 22 of /proc/<pid>/stat (starttime), counted from field 3 (state), the first one after the `)` of comm. */
const START_TIME_INDEX = 22 - 3

/** Field 5 of /proc/<pid>/stat (pgrp), counted the same way. */
const PROCESS_GROUP_INDEX = 5 - 3

interface StatInfo { readonly state: string; readonly startTime: number; readonly group: number }

/** Parses /proc/<pid>/stat after the last ')' since comm may hold spaces and parentheses; null when unreadable. */
function readStat (pid: number): StatInfo | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return null // ENOENT: gone; ESRCH/EACCES: going away or not ours to read
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const state = fields[0]
  const startTime = Number(fields[START_TIME_INDEX])
  const group = Number(fields[PROCESS_GROUP_INDEX])
  if (state === undefined || !Number.isSafeInteger(startTime) || !Number.isSafeInteger(group)) return null
  return { state, startTime, group }
}

function isDeadState (state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x'
}

/** Start time of a live, non-zombie pid in clock ticks since boot; null when gone or a zombie. */
export function readStartTime (pid: number): number | null {
  const stat = readStat(pid)
  return stat === null || isDeadState(stat.state) ? null : stat.startTime
}

/** The process group of a live, non-zombie pid; null when gone or a zombie. */
export function readProcessGroup (pid: number): number | null {
  const stat = readStat(pid)
  return stat === null || isDeadState(stat.state) ? null : stat.group
}

/** True while the pid exists and is not a zombie (a zombie holds a pid but runs nothing). */
export function isAliveNotZombie (pid: number): boolean {
  return readStartTime(pid) !== null
}

/** Every numeric entry of /proc: the pids of all processes (threads are not listed at the top level). */
function listPids (): number[] {
  const pids: number[] = []
  for (const name of readdirSync('/proc')) {
    const code = name.charCodeAt(0)
    if (code < 48 || code > 57) continue
    const pid = Number(name)
    if (Number.isSafeInteger(pid)) pids.push(pid)
  }
  return pids
}

/** Reads a whole /proc file into `scratch` (grown when too small); cheaper than readFileSync for many tiny files. */
function readInto (path: string, scratch: { buf: Buffer }): Buffer | null {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return null // the process ended between readdir and open, or is not readable by us
  }
  try {
    let length = 0
    for (;;) {
      if (length === scratch.buf.length) {
        const bigger = Buffer.allocUnsafe(scratch.buf.length * 2)
        scratch.buf.copy(bigger, 0, 0, length)
        scratch.buf = bigger
      }
      const n = readSync(fd, scratch.buf, length, scratch.buf.length - length, null)
      if (n === 0) return scratch.buf.subarray(0, length)
      length += n
    }
  } catch {
    return null // ESRCH: it exited while we read
  } finally {
    closeSync(fd)
  }
}

/** The SUP_MARKER value of a process when it starts with `prefix`, else null. Works on the raw bytes. */
function markerOf (pid: number, prefix: Buffer, scratch: { buf: Buffer }): string | null {
  const env = readInto(`/proc/${pid}/environ`, scratch)
  if (env === null) return null
  let at = env.indexOf(MARKER_KEY)
  // A match must start an entry (offset 0 or right after a NUL), e.g. not X_SUP_MARKER=
  while (at > 0 && env[at - 1] !== 0) at = env.indexOf(MARKER_KEY, at + 1)
  if (at < 0) return null
  const start = at + MARKER_KEY.length
  if (start + prefix.length > env.length || env.compare(prefix, 0, prefix.length, start, start + prefix.length) !== 0) return null
  const end = env.indexOf(0, start)
  return env.toString('utf8', start, end < 0 ? env.length : end)
}

/** Live (non-zombie) processes whose SUP_MARKER starts with `prefix`, with their full marker. */
export function findMarkedPids (prefix: string): Array<{ pid: number; marker: string }> {
  const wanted = Buffer.from(prefix)
  const scratch = { buf: Buffer.allocUnsafe(64 * 1024) }
  const found: Array<{ pid: number; marker: string }> = []
  for (const pid of listPids()) {
    const marker = markerOf(pid, wanted, scratch)
    if (marker !== null && isAliveNotZombie(pid)) found.push({ pid, marker })
  }
  return found
}

/** Pids of live processes carrying exactly this marker: a worker and every descendant that kept its env. */
export function listMarkedPids (marker: string): number[] {
  return findMarkedPids(marker).filter((p) => p.marker === marker).map((p) => p.pid)
}

/** The ProcessTable port over /proc. */
export function createProcTable (): ProcessTable {
  return { startTime: readStartTime, findMarked: findMarkedPids }
}
