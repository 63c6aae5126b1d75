// `sup logs` (following) across a daemon that went away and came back (`sup daemon --restart`, an upgrade, a crash
// restarted by systemd): the log files outlive the daemon, so the stream is opened again from where each worker was,
// and no line is shown twice or missed.
import { isSupClientError, SUP_ERR_CLIENT_CONNECTION, SUP_ERR_DAEMON_LOST, SUP_ERR_DAEMON_UNREACHABLE, type SupClient } from '@sup/client'
import type { LogRecord } from '@sup/protocol'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CliContext } from './context.ts'
import { CliError } from './errors.ts'

/** How long a follower waits for a daemon to answer again before it gives up (a `sup kill` brings none back). */
export const RESUME_WAIT_MS = 15_000
const RESUME_POLL_MS = 250
/** Records sup-logd read just before the follow began may reach the file just after the backlog was read. */
const BACKLOG_MARGIN_MS = 5_000

/** Where a follower is in each worker's log: the time of the last record it showed, and how many it showed at it. */
export interface LogCursor {
  /** Records that a record was shown. */
  shown (r: LogRecord): void
  /**
   * The `since` to open the stream again with: the earliest place a worker was at, never after `startedAt`, nor more
   * than a few seconds before it (what is older was the backlog the follow began with, shown already).
   */
  since (): number
  /** Starts skipping what was shown: call before reading the stream opened again. */
  resume (): void
  /** False for a record shown before the stream was opened again (older than its worker's place, or at it and counted). */
  isNew (r: LogRecord): boolean
}

/** A cursor for a follow that began at `startedAt` (epoch ms): a worker that showed nothing is read from then on. */
export function createLogCursor (startedAt: number): LogCursor {
  const at = new Map<string, { time: number, count: number }>()
  let skip = new Map<string, { time: number, left: number }>()
  const workerOf = (r: LogRecord): string => `${r.app}:${r.instance}`
  return {
    shown (r) {
      const place = at.get(workerOf(r))
      if (place !== undefined && place.time === r.time) place.count++
      else at.set(workerOf(r), { time: r.time, count: 1 })
    },
    since: () => Math.max(startedAt - BACKLOG_MARGIN_MS, Math.min(startedAt, ...[...at.values()].map((p) => p.time))),
    resume () {
      skip = new Map([...at].map(([k, p]) => [k, { time: p.time, left: p.count }]))
    },
    isNew (r) {
      const s = skip.get(workerOf(r))
      if (s === undefined || r.time > s.time) return true
      if (r.time < s.time) return false
      // at the worker's place: the first `left` records there were shown
      if (s.left === 0) return true
      s.left--
      return false
    }
  }
}

/** True for the failures of a daemon that went away mid-stream (crashed, killed, replaced). */
export function isDaemonGone (err: unknown): boolean {
  return isSupClientError(err) && [SUP_ERR_DAEMON_LOST, SUP_ERR_DAEMON_UNREACHABLE, SUP_ERR_CLIENT_CONNECTION].includes(err.code)
}

/** Resolves true once a daemon answers on the client's socket (none is started), false after `waitMs` or on abort. */
export async function waitForDaemon (client: Pick<SupClient, 'health'>, signal: AbortSignal, waitMs = RESUME_WAIT_MS): Promise<boolean> {
  const deadline = Date.now() + waitMs
  while (!signal.aborted && Date.now() < deadline) {
    try {
      await client.health({ timeoutMs: 1_000 })
      return true
    } catch { /* not yet */ }
    await sleep(RESUME_POLL_MS, undefined, { signal }).catch(() => undefined)
  }
  return false
}

/**
 * After a followed stream (`what`: 'log', 'event') ended with its daemon gone: says so, waits for a daemon to answer.
 * True to open the stream again; false when the follow was stopped meanwhile (Ctrl-C); throws SUP_ERR_STREAM_ENDED
 * when none came back.
 */
export async function followAgain (ctx: Pick<CliContext, 'warn' | 'colors'>, client: Pick<SupClient, 'health'>, signal: AbortSignal, what: string, waitMs = RESUME_WAIT_MS): Promise<boolean> {
  ctx.warn(ctx.colors.dim(`sup: the daemon went away; following again once one answers (up to ${waitMs / 1000} s)`))
  if (await waitForDaemon(client, signal, waitMs)) return true
  if (signal.aborted) return false
  throw new CliError(`the daemon ended the ${what} stream`, { code: 'SUP_ERR_STREAM_ENDED', hint: 'did the daemon stop? `sup list` starts it again' })
}
