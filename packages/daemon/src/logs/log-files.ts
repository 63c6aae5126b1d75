// `sup flush` and `sup delete`: empties or removes an app's log files (`<app>-<i>.log` and its rotated `.log.N`).
import { readdirSync, rmSync, truncateSync } from 'node:fs'
import { join } from 'node:path'

/** The log files of `app` in `logsDir`: current files (truncated by a flush) and rotated ones. */
function logFilesOf (logsDir: string, app: string): { current: string[]; rotated: string[] } {
  const escaped = app.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const re = new RegExp(`^${escaped}-\\d+\\.log(\\.\\d+)?$`)
  let names: string[]
  try { names = readdirSync(logsDir) } catch { names = [] }
  const mine = names.filter((n) => re.test(n))
  return { current: mine.filter((n) => n.endsWith('.log')).map((n) => join(logsDir, n)), rotated: mine.filter((n) => !n.endsWith('.log')).map((n) => join(logsDir, n)) }
}

/**
 * Empties an app's logs: rotated files are removed, current ones truncated in place (sup-logd appends with
 * O_APPEND, so its next line lands at the new end). Returns how many files were touched.
 */
export function flushLogFiles (logsDir: string, app: string): number {
  const { current, rotated } = logFilesOf(logsDir, app)
  for (const f of rotated) rmSync(f, { force: true })
  for (const f of current) { try { truncateSync(f, 0) } catch { /* gone meanwhile */ } }
  return current.length + rotated.length
}

/** A deleted app's logs go with it: a new app of the same name starts with none. */
export function removeLogFiles (logsDir: string, app: string): void {
  const { current, rotated } = logFilesOf(logsDir, app)
  for (const f of [...current, ...rotated]) rmSync(f, { force: true })
}
