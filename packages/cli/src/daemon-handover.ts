// Hands the workers from the running daemon to the next one: it exits keeping them, we wait until its process is gone.
import { isSupClientError, SUP_ERR_DAEMON_UNREACHABLE, type SupClient } from '@sup/client'
import { readFileSync } from 'node:fs'
import { CliError } from './errors.ts'
import { waitForExit } from './pid-file.ts'
import { SUPERVISOR_ENV } from './systemd-unit.ts'

/** How long the old daemon may take to exit once asked (it stops nothing, so this is generous). */
export const HANDOVER_EXIT_MS = 10_000

export interface Handover {
  /** The daemon that exited. */
  readonly pid: number
  /** `systemd` when it ran under `sup startup`'s unit, whose Restart=always starts the next daemon by itself. */
  readonly supervisor: string | undefined
}

/** The SUP_SUPERVISOR a process was started with (/proc/<pid>/environ), undefined when unset or unreadable. */
export function supervisorOf (pid: number, readEnviron: (pid: number) => Buffer = (p) => readFileSync(`/proc/${p}/environ`)): string | undefined {
  let raw: Buffer
  try { raw = readEnviron(pid) } catch { return undefined }
  const prefix = `${SUPERVISOR_ENV}=`
  const entry = raw.toString('utf8').split('\0').find((e) => e.startsWith(prefix))
  return entry?.slice(prefix.length)
}

/**
 * Asks the running daemon to exit with `keepWorkers` and waits until its process is gone; null when no daemon answers.
 * The pid comes from the daemon itself (health), never from sup.pid alone: a stale file may name a recycled pid.
 */
export async function releaseDaemon (client: SupClient, exitWaitMs = HANDOVER_EXIT_MS): Promise<Handover | null> {
  let pid: number
  try {
    pid = (await client.health()).pid
  } catch (err) {
    if (isSupClientError(err, SUP_ERR_DAEMON_UNREACHABLE)) return null
    throw err
  }
  const supervisor = supervisorOf(pid)
  try {
    await client.shutdown({ keepWorkers: true })
  } catch (err) {
    // Already exiting (e.g. `sup kill` in flight): it stops its workers first; the next daemon brings them back.
    if (!isSupClientError(err, 'SUP_ERR_SHUTTING_DOWN') && !isSupClientError(err, SUP_ERR_DAEMON_UNREACHABLE)) throw err
  }
  if (!await waitForExit([pid], exitWaitMs)) {
    throw new CliError(`The daemon (pid ${pid}) is still running ${exitWaitMs / 1000} s after being asked to exit`, {
      code: 'SUP_ERR_DAEMON_STILL_RUNNING',
      hint: `see ${client.home}/daemon.log; its workers are untouched`
    })
  }
  return { pid, supervisor }
}
