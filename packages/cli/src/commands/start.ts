// `sup start <script|file.json|app>`: define and start apps, or start a stopped app again.
import { isSupClientError, type AppSpecInput, type AppView } from '@sup/client'
import type { Command } from 'commander'
import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { classifyTarget, flagName, SPEC_FLAGS, specFromArgs, type StartFlags } from '../app-spec-args.ts'
import { readConfigFile } from '../config-file.ts'
import { action, type CliContext } from '../context.ts'
import { CliError, prefixError } from '../errors.ts'
import { renderAppList } from '../render/views.ts'

interface StartOptions extends StartFlags { wait: boolean; json?: boolean }

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

async function isFile (path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** The workers that did not come online after a waited start, as a note naming where to look. */
function notOnline (app: AppView, home: string): CliError | undefined {
  const down = app.workers.filter((w) => w.state !== 'online')
  if (down.length === 0) return undefined
  const states = [...new Set(down.map((w) => w.state))].join(', ')
  const first = down[0]?.instance ?? 0
  return new CliError(`App '${app.name}': ${down.length} of ${app.workers.length} workers did not come online (${states})`, {
    code: 'SUP_ERR_START_FAILED',
    hint: `see \`sup events ${app.name}\` and ${join(home, 'logs', `${app.name}-${first}.log`)}`
  })
}

async function startExisting (ctx: CliContext, name: string, ignored: readonly string[], opts: StartOptions): Promise<void> {
  const client = await ctx.daemon()
  let view: AppView
  try {
    view = await client.startExisting(name)
  } catch (err) {
    if (!isSupClientError(err, 'SUP_ERR_APP_NOT_FOUND')) throw err
    throw new CliError(`No file or app named '${name}'`, { hint: 'give the path of a script, or run `sup list` to see apps' })
  }
  if (ignored.length > 0) ctx.warn(`sup: app '${name}' already exists: ${ignored.join(', ')} ignored (use \`sup delete ${name}\` first to redefine it)`)
  if (opts.json === true) ctx.json(view)
  else ctx.print(renderAppList([view], Date.now(), ctx.colors))
}

async function startSpecs (ctx: CliContext, specs: readonly AppSpecInput[], opts: StartOptions, many: boolean): Promise<void> {
  const client = await ctx.daemon()
  const started: AppView[] = []
  const notes: CliError[] = []
  for (const spec of specs) {
    try {
      const view = await client.startApp(spec, { wait: opts.wait })
      started.push(view)
      const note = opts.wait ? notOnline(view, ctx.home) : undefined
      if (note !== undefined) notes.push(note)
    } catch (err) {
      if (!many) throw err
      ctx.fail(prefixError(err, `app '${spec.name ?? spec.script}'`))
    }
  }
  if (opts.json === true) ctx.json(many ? { apps: started } : started[0])
  else if (started.length > 0) ctx.print(renderAppList(started, Date.now(), ctx.colors))
  for (const note of notes) ctx.fail(note)
}

/** Registers `sup start`. */
export function registerStart (program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('start a script with N workers, every app of a JSON file, or a stopped app by name')
    .argument('<target>', 'a script, a file.json ({ "apps": [...] }) or the name of an existing app')
    .argument('[args...]', 'arguments for the app, after --')
    .option('-n, --instances <n>', 'number of workers (default 1)')
    .option('--name <name>', "app name (default: the script's file name)")
    .option('--port-range <from-to>', "ports for the workers, e.g. 8000-8004 (default: the daemon's pool)")
    .option('--cwd <dir>', "working directory (default: the script's directory)")
    .option('--env <K=V>', 'environment variable for every worker (repeatable)', collect)
    .option('--restart <mode>', 'always | on-failure | never (default always)')
    .option('--restart-delay <duration>', 'first backoff delay, doubled each time (default 100ms)')
    .option('--max-restart-delay <duration>', 'backoff cap (default 15s)')
    .option('--min-uptime <duration>', 'uptime that resets the backoff (default 10s)')
    .option('--max-restarts <n>', 'restarts within --restart-window before errored (default 10)')
    .option('--restart-window <duration>', 'flapping window (default 60s)')
    .option('--retry-in <duration>', 'when an errored worker is retried (default 5m)')
    .option('--listen-timeout <duration>', 'time to become ready (default 8s)')
    .option('--kill-timeout <duration>', 'time between the stop signal and SIGKILL (default 5s)')
    .option('--kill-signal <signal>', 'stop signal (default SIGTERM)')
    .option('--log-max-size <size>', 'rotate a worker log at this size, e.g. 512K, 10M (default 10M)')
    .option('--log-files <n>', 'log files kept per worker, current included (default 5)')
    .option('--health <path>', 'HTTP health check path, e.g. /healthz (a failing worker leaves the upstream; restarted after --health-failures)')
    .option('--health-interval <duration>', 'between health checks (default 5s)')
    .option('--health-timeout <duration>', 'one health check (default 2s)')
    .option('--health-failures <n>', 'failures in a row that restart the worker (default 3)')
    .option('--drain <duration>', 'how long a withdrawn worker keeps serving before it is stopped (default 1s)')
    .option('--watch [paths]', 'reload (zero-downtime) when files change: the app directory, or comma-separated paths')
    .option('--watch-ignore <pattern>', 'more paths to ignore when watching (repeatable; * and ** globs)', collect)
    .option('--max-memory <size>', 'restart a worker whose process tree uses more memory, e.g. 150M (K/M/G)')
    .option('--max-cpu <percent>', 'restart a worker whose process tree uses more CPU, percent of one core, e.g. 50')
    .option('--over <n/m>', 'a rule fires when over its limit in n of the last m samples, or n in a row (default 3/5)')
    .option('--sample-interval <duration>', 'between CPU/memory samples of each worker (default 1s)')
    .option('--cron-restart <expr>', 'scheduled rolling restart, a cron expression, e.g. "0 3 * * *"')
    .option('--wait-ready', "ready when the app calls process.send('ready'), not when its port accepts connections")
    .option('--no-wait', 'answer once the app is recorded, without waiting for its workers')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (target: string, args: string[], opts: StartOptions, cmd: Command) => {
      const given = SPEC_FLAGS.filter((key) => cmd.getOptionValueSource(key) === 'cli')
      const path = resolve(ctx.cwd, target)
      const kind = classifyTarget(target, await isFile(path))
      const extra = [...given.map(flagName), ...(args.length > 0 ? ['app arguments'] : [])]
      if (kind === 'app') return startExisting(ctx, target, extra, opts)
      if (kind === 'script') return startSpecs(ctx, [specFromArgs(target, args, opts, ctx.cwd)], opts, false)
      if (extra.length > 0) throw new CliError(`${extra.join(', ')} cannot be combined with a config file`, { hint: `set them per app in ${target}` })
      return startSpecs(ctx, await readConfigFile(path), opts, true)
    }))
}
