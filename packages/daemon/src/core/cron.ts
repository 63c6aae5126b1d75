// Cron expressions for `--cron-restart` (parsed by cron-parser, never by hand): validation and the next run.
import { CronExpressionParser } from 'cron-parser'

/** Null when `expr` is a valid 5- or 6-field cron expression (or a predefined one like @daily), else why not. */
export function validateCron (expr: string): string | null {
  const fields = expr.trim().split(/\s+/)
  if (!expr.trim().startsWith('@') && (fields.length < 5 || fields.length > 6)) return `${fields.length} field(s), expected 5 (minute hour day month weekday) or 6 (with seconds first)`
  try {
    CronExpressionParser.parse(expr.trim(), { strict: false })
    return null
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

/** The first wall-clock time (epoch ms) after `afterWallMs` that `expr` names, in the host's time zone. */
export function nextCronTime (expr: string, afterWallMs: number): number {
  return CronExpressionParser.parse(expr, { currentDate: new Date(afterWallMs) }).next().getTime()
}
