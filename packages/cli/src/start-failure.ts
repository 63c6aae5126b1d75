// Why a waited `sup start` left workers down: the reason of each one's last state change and its last log lines. A
// worker that ran to its end (a one-shot job: exit code 0 under `--restart never|on-failure`) is no failure.
import type { AppView, SupClient, WorkerView } from '@sup/client'
import { setTimeout as sleep } from 'node:timers/promises'
import { CliError } from './errors.ts'
import { sanitizeLine } from './render/logs.ts'

const DOWN = new Set(['backoff', 'errored', 'exited', 'stopped'])

/** How long a failed start waits for its worker's last lines to reach the log, and how often it asks. */
export const LAST_LINES_WAIT_MS = 1_500
const LAST_LINES_POLL_MS = 100

/**
 * The worker's last `n` lines. A daemon spawned for this start (the start handoff) starts sup-logd only once the
 * start is answered, so what a worker printed before it died may still be in its pipe: asked again until some line
 * is there, for up to `waitMs` (a worker that printed nothing costs that wait, on a start that failed anyway).
 */
export async function lastLines (client: Pick<SupClient, 'logs'>, target: string, n: number, waitMs = LAST_LINES_WAIT_MS): Promise<string[]> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const lines: string[] = []
    try {
      for await (const r of client.logs(target, { lines: n, follow: false })) if (r.stream !== 'sup') lines.push(r.line)
    } catch { /* the reason alone still helps */ }
    if (lines.length > 0 || Date.now() >= deadline) return lines.slice(-n)
    await sleep(LAST_LINES_POLL_MS)
  }
}

/** Exited with code 0, and not restarted for it: a job done (`exited` is the state of no restart due). */
export function ranToItsEnd (w: WorkerView): boolean {
  return w.state === 'exited' && w.lastExit?.code === 0 && w.lastExit.signal === null
}

/** The note for workers that ran to their end, or null when none did. */
export function finishedNote (app: AppView): string | null {
  const done = app.workers.filter(ranToItsEnd).map((w) => w.instance)
  if (done.length === 0) return null
  const who = done.length === 1 ? `worker ${done.join('')} ran to its end` : `workers ${done.join(', ')} ran to their end`
  return `${app.name}: ${who} (exit code 0), not restarted (restart ${app.spec.restart})`
}

/** The error for workers that did not come online, naming the reason and showing the first one's last lines. */
export async function explainNotOnline (client: SupClient, app: AppView): Promise<CliError | undefined> {
  const down = app.workers.filter((w) => w.state !== 'online' && !ranToItsEnd(w))
  if (down.length === 0) return undefined
  const states = [...new Set(down.map((w) => w.state))].join(', ')
  const { events } = await client.listEvents({ app: app.name, limit: 200 }).catch(() => ({ events: [] }))
  const reasons = new Map<number, string>()
  for (const e of events) if (e.instance !== null && e.to !== null && DOWN.has(e.to)) reasons.set(e.instance, e.reason)
  const why = [...new Set(down.map((w) => reasons.get(w.instance)).filter((r) => r !== undefined))]
  const first = down[0]?.instance ?? 0
  const tail = await lastLines(client, `${app.name}:${first}`, 5)
  const lines = [
    `App '${app.name}': ${down.length} of ${app.workers.length} workers did not come online (${states})${why.length > 0 ? `: ${why.join('; ')}` : ''}`,
    ...(tail.length > 0 ? [`last lines of worker ${first}:`, ...tail.map((l) => `  | ${sanitizeLine(l)}`)] : [])
  ]
  return new CliError(lines.join('\n'), { code: 'SUP_ERR_START_FAILED', hint: `see \`sup events ${app.name}\` and \`sup logs ${app.name}\`` })
}
