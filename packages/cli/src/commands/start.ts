// `sup start <script|file.json|app>`: define and start apps, or start a stopped app again.
import { isSupClientError, type AppSpecInput, type AppView } from '@sup/client'
import type { Command } from 'commander'
import { stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { classifyTarget, flagName, SPEC_FLAGS, specFromArgs, type StartFlags } from '../app-spec-args.ts'
import { readConfigFile } from '../config-file.ts'
import { action, type CliContext } from '../context.ts'
import { readEnvFiles } from '../env-file.ts'
import { CliError, prefixError } from '../errors.ts'
import { renderAppList } from '../render/views.ts'
import { findInPath, shellEnvironment } from '../shell-env.ts'
import { explainNotOnline, finishedNote } from '../start-failure.ts'
import { handStart, type Handed } from '../start-handoff.ts'
import { defaultAppName, forEachApp } from '../targets.ts'

interface StartOptions extends Omit<StartFlags, 'env' | 'interpreter'> {
  wait: boolean
  json?: boolean
  env?: string[]
  interpreter?: string
  envFile?: string[]
  only?: string
  updateEnv?: boolean
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

async function isFile (path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

function show (ctx: CliContext, views: readonly AppView[], json: boolean | undefined, many: boolean): void {
  if (json === true) ctx.json(many ? { apps: views } : views[0])
  else if (views.length > 0) ctx.print(renderAppList(views, Date.now(), ctx.colors))
}

async function startExisting (ctx: CliContext, name: string, ignored: readonly string[], opts: StartOptions): Promise<void> {
  const client = await ctx.daemon()
  const view = await client.startExisting(name)
  if (ignored.length > 0) ctx.warn(`sup: app '${name}' already exists: ${ignored.join(', ')} ignored (use \`sup delete ${name}\` first to redefine it)`)
  show(ctx, [view], opts.json, false)
  const finished = finishedNote(view)
  if (finished !== null) ctx.warn(finished)
}

/** `sup start all`: every app that is stopped (or has stopped workers) is started again. */
async function startAll (ctx: CliContext, opts: StartOptions): Promise<void> {
  const client = await ctx.daemon()
  const { apps } = await client.listApps()
  const names = apps.filter((a) => a.desired === 'stopped' || a.workers.some((w) => w.state === 'stopped')).map((a) => a.name)
  const started = await forEachApp(ctx, names, (name) => client.startExisting(name), false)
  if (names.length === 0 && opts.json !== true) ctx.print('sup: no stopped app')
  else show(ctx, started, opts.json, true)
}

/** Creates each app, or (file apps that already exist) applies its definition zero-downtime. */
async function startSpecs (ctx: CliContext, specs: readonly AppSpecInput[], opts: StartOptions, fromFile: boolean): Promise<void> {
  // No daemon ran: the first app goes to the one bin/sup.js spawned, before its API is up (start-handoff.ts). Its
  // health comes with the answer: a start that went well needs nothing more of the daemon.
  const handed = specs[0] === undefined ? null : await handStart(ctx.home, specs[0], opts.wait)?.answer() ?? null
  if (handed?.health !== undefined) ctx.reached(handed.health)
  else if (handed === null) await ctx.daemon()
  const started: AppView[] = []
  const notes: CliError[] = []
  const done: string[] = []
  for (const [i, spec] of specs.entries()) {
    try {
      const view = await createOrApply(ctx, spec, opts, fromFile, i === 0 ? handed : null)
      started.push(view)
      const note = opts.wait && view.workers.some((w) => w.state !== 'online') ? await explainNotOnline(await ctx.daemon(), view) : undefined
      if (note !== undefined) notes.push(note)
      const finished = opts.wait ? finishedNote(view) : null
      if (finished !== null) done.push(finished)
    } catch (err) {
      if (!fromFile) throw err
      ctx.fail(prefixError(err, `app '${spec.name ?? spec.script}'`))
    }
  }
  show(ctx, started, opts.json, fromFile)
  if (done.length > 0) ctx.warn(done)
  for (const note of notes) ctx.fail(note)
}

async function createOrApply (ctx: CliContext, spec: AppSpecInput, opts: StartOptions, fromFile: boolean, handed: Handed): Promise<AppView> {
  try {
    if (handed !== null) {
      if ('error' in handed) throw handed.error
      return handed.view
    }
    return await (await ctx.daemon()).startApp(spec, { wait: opts.wait })
  } catch (err) {
    if (!fromFile || spec.name === undefined || !isSupClientError(err, 'SUP_ERR_APP_EXISTS')) throw err
    // The stored shell environment stays unless --update-env asks for the current one
    const { shellEnv, ...rest } = spec
    return (await ctx.daemon()).applyApp(opts.updateEnv === true && shellEnv !== undefined ? { ...rest, shellEnv, name: spec.name } : { ...rest, name: spec.name })
  }
}

/** True for `"npm run serve"`: no file, but words whose first is a command in PATH or a file (`"./run.sh --fast"`). */
async function isCommandLine (ctx: CliContext, target: string, path: string): Promise<boolean> {
  const [first = '', ...rest] = target.trim().split(/\s+/)
  if (rest.length === 0 || await isFile(path)) return false
  return findInPath(first, ctx.env.PATH) !== undefined || await isFile(resolve(ctx.cwd, first))
}

/** `sup start "npm run serve"`, as `pm2 start "npm run serve"` is written: sup takes the command and its arguments apart. */
function commandLineInOneString (target: string): CliError {
  const [command = '', ...rest] = target.trim().split(/\s+/)
  return new CliError(`'${target}' is no file: a command with its arguments goes as the command, then its arguments after --`, {
    hint: `sup start ${command} --name <name> -- ${rest.join(' ')}`
  })
}

/** `--interpreter python3`: looked up in PATH now, so a missing one is refused before anything starts. */
function interpreterPath (ctx: CliContext, name: string | undefined): string | undefined {
  if (name === undefined || name.startsWith('/')) return name
  const found = findInPath(name, ctx.env.PATH)
  if (found === undefined) throw new CliError(`interpreter '${name}' not found in PATH`, { hint: 'install it, or give its absolute path' })
  return found
}

/**
 * The spec of `sup start <script>`. A bare `--watch` watches the script's directory (what the app is, wherever it was
 * started from: never a whole home directory), a command from PATH (`isCommand`) the directory it runs in.
 */
function scriptSpec (ctx: CliContext, script: string, args: readonly string[], opts: StartOptions, isCommand = false): AppSpecInput {
  const flags: StartFlags = { ...opts, fileEnv: readEnvFiles((opts.envFile ?? []).map((f) => resolve(ctx.cwd, f))) }
  const interpreter = interpreterPath(ctx, opts.interpreter)
  if (interpreter === undefined) delete flags.interpreter
  else flags.interpreter = interpreter
  const spec = specFromArgs(script, args, flags, ctx.cwd)
  if (spec.watch === true && !isCommand) spec.watch = [dirname(spec.script)]
  return { ...spec, shellEnv: shellEnvironment(ctx.env) }
}

/** `sup start file [--only a,b] [--env <name>]`: the file's apps, each carrying the caller's environment. */
async function startFile (ctx: CliContext, path: string, opts: StartOptions, given: readonly string[], args: readonly string[]): Promise<void> {
  const envName = opts.env?.length === 1 && !(opts.env[0] ?? '').includes('=') ? opts.env[0] : undefined
  const extra = [...given.filter((k) => !(k === 'env' && envName !== undefined)).map(flagName), ...(args.length > 0 ? ['app arguments'] : [])]
  if (extra.length > 0) throw new CliError(`${extra.join(', ')} cannot be combined with a config file`, { hint: `set them per app in ${path}` })
  const specs = await readConfigFile(path, ctx.cwd, { envName, only: opts.only, path: ctx.env.PATH, warn: (l) => ctx.warn(l) })
  const shellEnv = shellEnvironment(ctx.env)
  return startSpecs(ctx, specs.map((s) => ({ ...s, shellEnv })), opts, true)
}

/**
 * A bare name that is no file: an existing app, else a command found in PATH (`sup start npm -- start`). A command
 * runs where `sup start` ran (unless --cwd), as any script does.
 */
async function startNamed (ctx: CliContext, target: string, args: readonly string[], opts: StartOptions, extra: readonly string[]): Promise<void> {
  const command = findInPath(target, ctx.env.PATH)
  const commandSpec = (path: string): AppSpecInput => scriptSpec(ctx, path, args, opts, true)
  if (command !== undefined && extra.length > 0) return startSpecs(ctx, [commandSpec(command)], opts, false)
  try {
    await startExisting(ctx, target, extra, opts)
  } catch (err) {
    if (!isSupClientError(err, 'SUP_ERR_APP_NOT_FOUND')) throw err
    if (command !== undefined) return startSpecs(ctx, [commandSpec(command)], opts, false)
    throw new CliError(`No file, app or command named '${target}'`, { hint: 'give the path of a script, a command in PATH, or run `sup list` to see apps' })
  }
}

/**
 * `sup start app.js`: a new app; or, as `pm2 start app.js` after `pm2 stop`, the stopped app (or the job that ran to
 * its end) running this same script, started again as `sup start <name>` does. Any other clash of names is an error.
 */
async function startScript (ctx: CliContext, spec: AppSpecInput, opts: StartOptions, extra: readonly string[]): Promise<void> {
  try {
    await startSpecs(ctx, [spec], opts, false)
  } catch (err) {
    if (!isSupClientError(err, 'SUP_ERR_APP_EXISTS')) throw err
    const name = spec.name ?? defaultAppName(spec.script)
    const app = await (await ctx.daemon()).getApp(name).catch(() => undefined)
    const idle = app !== undefined && (app.desired === 'stopped' || app.workers.every((w) => w.state === 'stopped' || w.state === 'exited'))
    if (app === undefined || app.spec.script !== spec.script || !idle) throw err
    await startExisting(ctx, name, extra, opts)
  }
}

/** Registers `sup start`. */
export function registerStart (program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('start a script or command with N workers, the apps of a config file (sup JSON or a PM2 ecosystem file), a stopped app by name, or all')
    .argument('<target>', 'a script, a command in PATH, apps.json / ecosystem.config.js / apps.yaml, the name of an existing app, or all')
    .argument('[args...]', 'arguments for the app, after --')
    .option('-n, --instances <n>', 'number of workers (default 1; max: one per CPU)')
    .option('--name <name>', "app name (default: the script's file name)")
    .option('--port-range <from-to>', "ports for the workers, e.g. 8000-8004 (default: the daemon's pool)")
    .option('--cwd <dir>', 'working directory (default: this one, as node and PM2)')
    .option('--no-port', 'the app does not listen (queue worker, bot): no PORT, online once it stayed up --ready-after')
    .option('--ready-after <duration>', 'with --no-port: uptime that counts as ready (default 1s)')
    .option('--interpreter <program>', 'run the script with this program (python3, bash...; looked up in PATH)')
    .option('--node-args <args>', 'options for node (or the --interpreter) before the script, e.g. "--max-old-space-size=4096"')
    .option('--env <K=V>', "environment variable for every worker (repeatable); with a config file: --env <name> uses PM2's env_<name>", collect)
    .option('--env-file <file>', 'read variables from a dotenv file (repeatable; --env wins)', collect)
    .option('--only <apps>', 'with a config file: only these apps (comma-separated)')
    .option('--update-env', "with a config file whose apps run: send this shell's environment too (else the stored one stays)")
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
    .option('--watch [paths]', "reload (zero-downtime) when files change: the script's directory, or comma-separated paths")
    .option('--watch-ignore <pattern>', 'more paths to ignore when watching (repeatable; * and ** globs)', collect)
    .option('--max-memory <size>', 'restart a worker whose process tree uses more memory, e.g. 150M (K/M/G)')
    .option('--max-cpu <percent>', 'restart a worker whose process tree uses more CPU, percent of one core, e.g. 50')
    .option('--over <n/m>', 'a rule fires when over its limit in n of the last m samples, or n in a row (default 3/5)')
    .option('--sample-interval <duration>', 'between CPU/memory samples of each worker (default 1s)')
    .option('--cron-restart <expr>', 'scheduled rolling restart, a cron expression, e.g. "0 3 * * *" (a job whose workers ran to their end: run again)')
    .option('--wait-ready', "ready when the app calls process.send('ready'), not when its port accepts connections")
    .option('--no-wait', 'answer once the app is recorded, without waiting for its workers')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (target: string, args: string[], opts: StartOptions, cmd: Command) => {
      const given = SPEC_FLAGS.filter((key) => cmd.getOptionValueSource(key) === 'cli')
      if (target === 'all') return startAll(ctx, opts)
      const path = resolve(ctx.cwd, target)
      const kind = classifyTarget(target, await isFile(path))
      if (kind === 'config') return startFile(ctx, path, opts, given, args)
      const extra = [...given.map(flagName), ...(args.length > 0 ? ['app arguments'] : [])]
      if (kind === 'app') return startNamed(ctx, target, args, opts, extra)
      if (await isCommandLine(ctx, target, path)) throw commandLineInOneString(target)
      return startScript(ctx, scriptSpec(ctx, target, args, opts), opts, extra)
    }))
}
