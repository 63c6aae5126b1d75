// The daemon's pid file and liveness checks, for `sup kill`.
// node:fs/promises is reached through fs.promises at the call (sup kill): loading it costs `sup list` ~2.5 ms
import { promises as fsPromises, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

/** The pid in a pid file's text (the first integer), or undefined. */
export function parsePid (text: string): number | undefined {
  const m = /^\s*(\d+)/.exec(text)
  const pid = m === null ? Number.NaN : Number(m[1])
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
}

/** The pid recorded in `<home>/sup.pid`, or undefined when there is none. */
export async function readDaemonPid (home: string): Promise<number | undefined> {
  try {
    return parsePid(await fsPromises.readFile(join(home, 'sup.pid'), 'utf8'))
  } catch {
    return undefined
  }
}

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux architecture node runs on). */
const USER_HZ = 100

/** The start time of a `/proc/<pid>/stat` line in clock ticks since boot (field 22), or undefined. */
export function procStartTicks (stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/)
  const ticks = Number(fields[19]) // fields[0] is field 3 (the state)
  return fields.length > 19 && Number.isSafeInteger(ticks) ? ticks : undefined
}

/** Wall-clock ms when a process started (its start ticks after /proc/stat's boot time, to the second), or undefined. */
export function processStartMs (pid: number): number | undefined {
  try {
    const ticks = procStartTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]
    return ticks === undefined || btime === undefined ? undefined : Number(btime) * 1000 + ticks * (1000 / USER_HZ)
  } catch {
    return undefined
  }
}

/**
 * Whether the process `pid` can be the one that wrote a pid file at `writtenMs`: a daemon writes sup.pid after it
 * started, so a process that started later is another one that got the pid of a daemon gone without removing its file
 * (SIGKILL). `slackMs` covers /proc/stat's boot time, which is rounded to the second. Unknown times: it can.
 */
export function canHaveWritten (startedMs: number | undefined, writtenMs: number | undefined, slackMs = 1_000): boolean {
  return startedMs === undefined || writtenMs === undefined || startedMs <= writtenMs + slackMs
}

/** The state letter of a `/proc/<pid>/stat` line (`R`, `S`, `Z`...): the field after the command's closing paren. */
export function procState (stat: string): string | undefined {
  return /^\S+/.exec(stat.slice(stat.lastIndexOf(')') + 1).trimStart())?.[0]
}

/** A process that has exited but is not reaped yet (a zombie, which a slow init may keep for seconds) counts as gone. */
function isZombie (pid: number): boolean {
  try {
    const state = procState(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    return state === 'Z' || state === 'X'
  } catch {
    return false
  }
}

/** Whether a process runs (EPERM: it exists but belongs to someone else). */
export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  return !isZombie(pid)
}

/** Waits until every pid is gone; false when the deadline passes first. */
export async function waitForExit (pids: readonly number[], timeoutMs: number, pollMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (pids.every((pid) => !isAlive(pid))) return true
    if (Date.now() >= deadline) return false
    await sleep(pollMs)
  }
}
