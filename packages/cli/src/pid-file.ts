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
