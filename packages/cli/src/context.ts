// What every command shares: the sup home, a client, a daemon on demand, output and the error wrapper.
import { createClient, defaultHome, type HealthView, type SupClient } from '@sup/client'
import { ensureDaemon } from './daemon-launcher.ts'
import { formatError } from './errors.ts'
import { logicalCwd } from './logical-cwd.ts'
import { checkProtocol } from './protocol-check.ts'
import { settingWarnings } from './settings-check.ts'
import { createPalette, shouldColor, type Colors } from './render/format.ts'

export interface CliContext {
  readonly home: string
  readonly env: NodeJS.ProcessEnv
  /** The shell's working directory as it names it ($PWD through symlinks, else process.cwd()): relative paths resolve here. */
  readonly cwd: string
  readonly colors: Colors
  /** A client, without checking that a daemon answers (for `sup kill`). */
  client (): SupClient
  /** A client of a daemon that answers and speaks this CLI's protocol: one is started when none does. Warns (once) when this shell's sup settings differ from the daemon's. */
  daemon (): Promise<SupClient>
  /** The health answer of the daemon `daemon()` reached (its settings), once it did. */
  health (): HealthView | undefined
  /** A health answer that came another way (the start handoff): checked and warned of as `daemon()` does, once. */
  reached (health: HealthView): void
  /** Lines for people, on stdout. */
  print (lines: string | readonly string[]): void
  /** Notes and errors, on stderr. */
  warn (lines: string | readonly string[]): void
  /** A value for scripts: JSON and nothing else on stdout. */
  json (value: unknown): void
  /** Prints a failure (`sup: ...`, `hint: ...`) and makes the exit code 1. */
  fail (err: unknown): void
}

const write = (stream: NodeJS.WriteStream, lines: string | readonly string[]): void => {
  const text = typeof lines === 'string' ? lines : lines.join('\n')
  stream.write(`${text}\n`)
}

/** A context for one run of the CLI. */
export function createContext (env: NodeJS.ProcessEnv = process.env): CliContext {
  const home = defaultHome(env)
  let client: SupClient | undefined
  let ready: Promise<SupClient> | undefined
  let health: HealthView | undefined
  const getClient = (): SupClient => (client ??= createClient({ home }))
  let warned = false
  let cwd: string | undefined
  const reached = (h: HealthView): void => {
    checkProtocol(h)
    health = h
    if (warned) return
    warned = true
    const warnings = settingWarnings(env, h)
    if (warnings.length > 0) write(process.stderr, warnings)
  }
  return {
    home,
    env,
    // read on first use (`sup list` never needs it): the shell's own path through symlinks (logical-cwd.ts)
    get cwd () { return (cwd ??= logicalCwd(env)) },
    colors: createPalette(shouldColor(env, process.stdout.isTTY === true)),
    client: getClient,
    daemon: () => (ready ??= ensureDaemon(getClient(), { env }).then((h) => {
      reached(h)
      return getClient()
    })),
    health: () => health,
    reached,
    print: (lines) => write(process.stdout, lines),
    warn: (lines) => write(process.stderr, lines),
    json: (value) => write(process.stdout, JSON.stringify(value, null, 2)),
    fail: (err) => {
      write(process.stderr, formatError(err, env))
      process.exitCode = 1
    }
  }
}

/** Wraps a command's action so a failure prints `sup: <message>` and a hint, and exits 1. */
export function action<A extends unknown[]> (ctx: CliContext, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args)
    } catch (err) {
      ctx.fail(err)
    }
  }
}
