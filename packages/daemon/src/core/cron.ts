// Cron expressions for `--cron-restart` (parsed by croner, never by hand): validation and the next run.
// croner, not cron-parser: no dependencies of its own (cron-parser brings luxon, ~9 MiB of the daemon's RSS for
// one feature most apps never use), well kept, and the parser PM2 itself uses for cron_restart.
import { Cron } from 'croner'

/** A pattern object only: with no function given, croner schedules nothing. */
const parse = (expr: string): Cron => new Cron(expr.trim(), { paused: true })

/** Null when `expr` is a valid 5- or 6-field cron expression (or a predefined one like @daily), else why not. */
export function validateCron (expr: string): string | null {
  const fields = expr.trim().split(/\s+/)
  if (!expr.trim().startsWith('@') && (fields.length < 5 || fields.length > 6)) return `${fields.length} field(s), expected 5 (minute hour day month weekday) or 6 (with seconds first)`
  try {
    const cron = parse(expr)
    return cron.nextRun() === null ? 'it names no time in the future' : null
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

/** The first wall-clock time (epoch ms) after `afterWallMs` that `expr` names, in the host's time zone. */
export function nextCronTime (expr: string, afterWallMs: number): number {
  const next = parse(expr).nextRun(new Date(afterWallMs))
  if (next === null) throw new RangeError(`cron '${expr}' names no time after ${new Date(afterWallMs).toISOString()}`)
  return next.getTime()
}
