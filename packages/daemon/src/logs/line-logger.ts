// sup-logd's own log: pino's line format (one JSON object a line: level number, time, base fields, the object's
// fields, msg) written synchronously, without pino. sup-logd writes a handful of lines in its life and should cost
// what a bare node process costs (docs/performance.md): pino and its dependencies add ~5 MiB of RSS to it.

/** pino's level numbers, so a reader of daemon.log reads logd.log the same way. */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const
type LevelName = Exclude<keyof typeof LEVELS, 'silent'>

export interface LineLoggerOptions {
  readonly level: string
  /** Fields on every line (pid, component). */
  readonly base: Readonly<Record<string, unknown>>
}

export interface LineDestination { write (line: string): void }

type LogFn = (objOrMsg: object | string, msg?: string) => void
export type LineLogger = Record<LevelName, LogFn>

/** An Error as pino's std serializer shows it: type, message, stack, and its own enumerable fields (code...). */
function serializeError (err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack }
  for (const [k, v] of Object.entries(err)) if (!(k in out)) out[k] = v instanceof Error ? serializeError(v) : v
  if (err.cause instanceof Error) out.cause = serializeError(err.cause)
  return out
}

function line (level: number, time: number, base: Readonly<Record<string, unknown>>, fields: object, msg: string | undefined): string {
  const record: Record<string, unknown> = { level, time, ...base }
  for (const [k, v] of Object.entries(fields)) record[k] = v instanceof Error ? serializeError(v) : v
  if (msg !== undefined) record.msg = msg
  try {
    return `${JSON.stringify(record)}\n`
  } catch { // a cycle or a BigInt: say what was logged without the fields
    return `${JSON.stringify({ level, time, ...base, msg, unserializable: true })}\n`
  }
}

/** A logger with pino's methods and line format over `dest`; lines below `options.level` are dropped. */
export function createLineLogger (options: LineLoggerOptions, dest: LineDestination, now: () => number = Date.now): LineLogger {
  const min = LEVELS[options.level as keyof typeof LEVELS] ?? LEVELS.info
  const at = (level: number): LogFn => (objOrMsg, msg) => {
    if (level < min) return
    const fields = typeof objOrMsg === 'string' ? {} : objOrMsg
    dest.write(line(level, now(), options.base, fields, typeof objOrMsg === 'string' ? objOrMsg : msg))
  }
  return { trace: at(LEVELS.trace), debug: at(LEVELS.debug), info: at(LEVELS.info), warn: at(LEVELS.warn), error: at(LEVELS.error), fatal: at(LEVELS.fatal) }
}
