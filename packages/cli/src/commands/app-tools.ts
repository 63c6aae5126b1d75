// `sup signal`, `sup env`, `sup flush`: PM2's sendSignal, env and flush.
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { CliError } from '../errors.ts'
import { appNames, forEachApp, parseAppTarget } from '../targets.ts'

function registerSignal (program: Command, ctx: CliContext): void {
  program
    .command('signal')
    .description("send a signal to an app's workers (or one worker, app:i)")
    .argument('<signal>', 'e.g. SIGUSR2, SIGHUP (the SIG prefix may be left out)')
    .argument('<app>', 'app name or app:instance')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (signal: string, target: string, opts: { json?: boolean }) => {
      const { app, instance } = parseAppTarget(target)
      const sig = signal.toUpperCase()
      const answer = await (await ctx.daemon()).signalApp(app, sig, instance === undefined ? {} : { instance })
      if (opts.json === true) return ctx.json(answer)
      if (answer.signalled.length === 0) throw new CliError(`no running worker of ${target} to signal`)
      ctx.print(answer.signalled.map((s) => `${sig.startsWith('SIG') ? sig : `SIG${sig}`} sent to ${app}:${s.instance} (pid ${s.pid})`))
    }))
}

function registerEnv (program: Command, ctx: CliContext): void {
  program
    .command('env')
    .description('print the names of the variables a worker runs with (values with --values: they may be secret)')
    .argument('<app>', 'app name or app:instance (default instance 0)')
    .option('--values', 'print NAME=value lines')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (target: string, opts: { values?: boolean; json?: boolean }) => {
      const { app, instance } = parseAppTarget(target)
      const answer = await (await ctx.daemon()).workerEnv(app, { instance: instance ?? 0, values: opts.values === true })
      if (opts.json === true) return ctx.json(answer)
      ctx.print(opts.values === true ? answer.names.map((n) => `${n}=${answer.values?.[n] ?? ''}`) : answer.names)
    }))
}

function registerFlush (program: Command, ctx: CliContext): void {
  program
    .command('flush')
    .description('empty the log files of an app (or of all apps)')
    .argument('[app]', 'app name, or all', 'all')
    .action(action(ctx, async (target: string) => {
      const client = await ctx.daemon()
      const names = await appNames(client, target)
      const done = await forEachApp(ctx, names, async (name) => ({ name, ...(await client.flushLogs(name)) }), true)
      if (names.length === 0) ctx.print(ctx.colors.dim('no apps to flush'))
      else ctx.print(done.map((d) => `flushed ${d.name} (${d.files} file(s))`))
    }))
}

/** Registers `sup signal`, `sup env` and `sup flush`. */
export function registerAppTools (program: Command, ctx: CliContext): void {
  registerSignal(program, ctx)
  registerEnv(program, ctx)
  registerFlush(program, ctx)
}
