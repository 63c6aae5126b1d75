// How the CLI fails: its own usage errors, a hint per error code, and the `sup: ...` / `hint: ...` lines on stderr.
import { SupClientError } from '@sup/client'
import { sanitizeLine } from './render/logs.ts'

/** A mistake in the command line or a config file, caught before the daemon is asked. */
export const SUP_ERR_CLI_USAGE = 'SUP_ERR_CLI_USAGE'
/** The daemon was started but never answered. */
export const SUP_ERR_DAEMON_START = 'SUP_ERR_DAEMON_START'

/** An error of the CLI itself, with the same shape as SupClientError so both print alike. */
export class CliError extends Error {
  readonly code: string
  declare readonly hint?: string

  constructor (message: string, options: { code?: string; hint?: string | undefined; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'CliError'
    this.code = options.code ?? SUP_ERR_CLI_USAGE
    if (options.hint !== undefined) this.hint = options.hint
  }
}

/** What to do next, by error code; undefined when the message says it all. */
export function hintFor (code: string): string | undefined {
  switch (code) {
    case 'SUP_ERR_APP_NOT_FOUND': return 'run `sup list` to see apps'
    case 'SUP_ERR_PORT_EXHAUSTED': return "widen the app's range with `sup scale <app> <N> --port-range <from-to>` (a config file: its port range), or stop what holds the ports"
    // an app option (start's); SUP_ERR_INVALID_INPUT's message names the bad value of whichever command sent it
    case 'SUP_ERR_INVALID_SPEC':
    case 'FST_ERR_VALIDATION': return 'see `sup start --help`'
    case 'SUP_ERR_SCRIPT_NOT_FOUND': return 'check the path: a relative script resolves against the current directory'
    case 'SUP_ERR_APP_EXISTS': return 'another script with the same file name? give this one its own name with --name <name>; or use `sup restart <app>`, `sup scale <app> <N>`, `sup delete <app>`'
    case 'SUP_ERR_INSTANCE_NOT_FOUND': return 'run `sup list` to see the instances'
    case 'SUP_ERR_APP_BUSY': return 'another command is changing this app: retry when it is done'
    case 'SUP_ERR_SHUTTING_DOWN': return 'the daemon is exiting: retry in a moment (a new one starts on demand)'
    case 'SUP_ERR_STATE_WRITE': return 'check the free space and permissions of SUP_HOME (sup.db)'
    case 'SUP_ERR_DEPLOY_FAILED': return 'the old release keeps serving: fix what the output above shows, then deploy again'
    case 'SUP_ERR_INSTALL_FAILED': return "nothing was changed: fix what npm's output above shows (package.json, the lockfile), then deploy again"
    case 'SUP_ERR_RELEASE_NOT_FOUND': return 'see `sup releases <app>`'
    case 'SUP_ERR_UNAUTHORIZED': return "check --token or SUP_TOKEN: the daemon's token is in its $SUP_HOME/token"
    default: return undefined
  }
}

/** The same failure with `<context>: ` before its message, keeping its code and hint (for one app among several). */
export function prefixError (err: unknown, context: string): CliError {
  const code = codeOf(err)
  const own = err instanceof SupClientError || err instanceof CliError ? err.hint : undefined
  const message = err instanceof Error ? err.message : String(err)
  return new CliError(`${context}: ${message}`, { code: code ?? 'SUP_ERR_INTERNAL', hint: own ?? (code === undefined ? undefined : hintFor(code)), cause: err })
}

function codeOf (err: unknown): string | undefined {
  return err instanceof SupClientError || err instanceof CliError ? err.code : undefined
}

/** The stderr lines for a failure: `sup: <message>`, then `hint: <what to do>` (the daemon's hint first, else ours). */
export function formatError (err: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  const message = err instanceof Error ? err.message : String(err)
  // A message may carry what a worker printed (SUP_ERR_RELOAD_FAILED's last output): no escape sequence reaches the terminal
  const lines = message.split('\n').map((l, i) => `${i === 0 ? 'sup: ' : '  '}${sanitizeLine(l)}`)
  // A failed deploy's new workers (or npm) said why: their last lines, before the hint.
  const output = err instanceof SupClientError ? err.output : err instanceof CliError && err.cause instanceof SupClientError ? err.cause.output : undefined
  if (output !== undefined && output.length > 0) lines.push('output:', ...output.map((l) => `  | ${sanitizeLine(l)}`))
  const code = codeOf(err)
  const own = err instanceof SupClientError || err instanceof CliError ? err.hint : undefined
  const hint = own ?? (code === undefined ? undefined : hintFor(code))
  if (hint !== undefined) lines.push(`hint: ${sanitizeLine(hint)}`)
  if (code === undefined && err instanceof Error && env.SUP_DEBUG !== undefined && err.stack !== undefined) lines.push(err.stack)
  return lines
}
