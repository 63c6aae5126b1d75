// `sup logs [app|app:i|all]`: the last lines of each worker merged in time order, then new ones until Ctrl-C.
import { InvalidArgumentError, type Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { createLogFormatter } from '../render/logs.ts'
import { untilSignal } from './follow.ts'
import { createLogCursor, followAgain, isDaemonGone } from '../follow-resume.ts'

export const DEFAULT_LOG_LINES = 20
export const MAX_LOG_LINES = 10_000

/** `--lines`: a whole number from 0 (only new lines) to 10000. */
export function parseLogLines (value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n > MAX_LOG_LINES) throw new InvalidArgumentError(`must be a whole number from 0 to ${MAX_LOG_LINES}`)
  return n
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `--since`: a duration back from now (`30s`, `10m`, `1h`, `2d`) or a date (`2026-11-23T19:00:00Z`), as epoch ms. */
export function parseSince (value: string, now = Date.now()): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim())
  if (m !== null) return Math.floor(now - Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0))
  const date = /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(date)) throw new InvalidArgumentError('must be a duration like 30s, 10m, 1h, 2d, or a date like 2026-11-23T19:00:00Z')
  return date
}

interface LogsOptions { lines?: number; follow: boolean; err?: boolean; json?: boolean; since?: number; colorOutput?: boolean; time?: boolean; raw?: boolean }

/** Registers `sup logs`. */
export function registerLogs (program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description('show the last lines of every worker (or of one app, or one worker), then follow new ones')
    .argument('[target]', "'all', an app, or app:instance", 'all')
    .option('--lines <n>', `lines per worker before following (default ${DEFAULT_LOG_LINES})`, parseLogLines)
    .option('--no-follow', 'print the last lines and exit')
    .option('--err', 'only stderr')
    .option('--since <when>', 'only lines from then on: 30s, 10m, 1h, 2d, or a date', (v: string) => parseSince(v))
    .option('--time', 'start each line with the time sup-logd read it (local, to the millisecond)')
    .option('--raw', 'print each line as the app wrote it, without the `app:i |` prefix (for grep and pipes)')
    .option('--json', 'print each line as a JSON record {time, app, instance, stream, line} (NDJSON)')
    .option('--color-output', "let the app's colour sequences (ESC [ … m) through; every other control character stays escaped")
    .addHelpText('after', '\nControl characters in app output are shown escaped (\\e, \\r, \\x07), colours too unless --color-output. Ctrl-C stops following.')
    .action(action(ctx, async (target: string, opts: LogsOptions) => {
      const client = await ctx.daemon()
      const format = createLogFormatter(ctx.colors, { colour: opts.colorOutput === true, time: opts.time === true, raw: opts.raw === true })
      const cursor = createLogCursor(Date.now())
      await untilSignal(async (signal) => {
        // a daemon that goes away while this follows (restart, upgrade, crash) is waited for, and the stream opened
        // again from where each worker was (follow-resume.ts): the log files outlive the daemon
        for (let resumed = false; ; resumed = true) {
          const since = resumed ? cursor.since() : opts.since
          const records = client.logs(target, {
            lines: resumed ? MAX_LOG_LINES : opts.lines ?? DEFAULT_LOG_LINES,
            follow: opts.follow,
            ...(opts.err === true ? { stream: 'err' as const } : {}),
            ...(since === undefined ? {} : { since }),
            signal
          })
          try {
            for await (const r of records) {
              if (resumed && !cursor.isNew(r)) continue
              cursor.shown(r)
              ctx.print(opts.json === true ? JSON.stringify(r) : format(r))
            }
          } catch (err) {
            if (!opts.follow || signal.aborted || !isDaemonGone(err)) throw err
          }
          if (!opts.follow || signal.aborted || !await followAgain(ctx, client, signal, 'log')) return
          cursor.resume()
        }
      })
    }))
}
