// `sup events [app]`: the last persisted events (crashes, restarts, state changes), oldest first; `--follow` for new ones.
import { InvalidArgumentError, type Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { renderEventLine } from '../render/logs.ts'
import { renderEvents } from '../render/views.ts'
import { untilSignal } from './follow.ts'
import { followAgain, isDaemonGone } from '../follow-resume.ts'

/** How many events `sup events` prints unless told. */
export const DEFAULT_EVENT_LINES = 50
export const MAX_EVENT_LINES = 10_000

/** `--lines`: a whole number from 1 to 10000 (commander prints the error and exits 1 otherwise). */
export function parseLines (value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_EVENT_LINES) throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_EVENT_LINES}`)
  return n
}

/** Registers `sup events`. */
export function registerEvents (program: Command, ctx: CliContext): void {
  program
    .command('events')
    .description('show recent events of every app, or of one')
    .argument('[app]', 'only this app')
    .option('--lines <n>', `how many events (default ${DEFAULT_EVENT_LINES})`, parseLines)
    .option('-f, --follow', 'then print new events as they happen, until Ctrl-C')
    .option('--json', 'print the API answer as JSON (with --follow: one event per line, NDJSON)')
    .action(action(ctx, async (app: string | undefined, opts: { lines?: number; json?: boolean; follow?: boolean }) => {
      const query = { limit: opts.lines ?? DEFAULT_EVENT_LINES, ...(app === undefined ? {} : { app }) }
      const client = await ctx.daemon()
      if (opts.follow === true) {
        await untilSignal(async (signal) => {
          // a daemon that goes away (restart, upgrade, crash) is waited for; the stream opened again shows the events
          // after the last one shown (their ids only grow)
          let lastId = 0
          for (let resumed = false; ; resumed = true) {
            try {
              for await (const e of client.streamEvents({ ...query, ...(resumed ? { limit: MAX_EVENT_LINES } : {}), follow: true, signal })) {
                if (e.id <= lastId) continue
                lastId = e.id
                ctx.print(opts.json === true ? JSON.stringify(e) : renderEventLine(e, ctx.colors))
              }
            } catch (err) {
              if (signal.aborted || !isDaemonGone(err)) throw err
            }
            if (signal.aborted || !await followAgain(ctx, client, signal, 'event')) return
          }
        })
        return
      }
      const answer = await client.listEvents(query)
      if (opts.json === true) ctx.json(answer)
      else if (answer.events.length === 0) ctx.print(ctx.colors.dim(app === undefined ? 'no events yet' : `no events for '${app}'`))
      else ctx.print(renderEvents(answer.events, ctx.colors))
    }))
}
