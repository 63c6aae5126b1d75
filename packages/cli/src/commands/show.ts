// `sup show <app>`: the definition, the workers and the last 10 events of one app.
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { renderAppDetail } from '../render/views.ts'
import { renderSamples } from '../render/usage.ts'
import { nginxNotice } from '../settings-check.ts'

/** How many recent events `sup show` prints. */
export const SHOW_EVENTS = 10

/** Registers `sup show`. */
export function registerShow (program: Command, ctx: CliContext): void {
  program
    .command('show')
    .description('show an app: its definition, workers, recent events and the last minute of CPU/memory samples')
    .argument('<app>', 'app name')
    .option('--json', 'print the API answer (the app) as JSON')
    .action(action(ctx, async (name: string, opts: { json?: boolean }) => {
      const client = await ctx.daemon()
      if (opts.json === true) {
        ctx.json(await client.getApp(name))
        return
      }
      const [app, { events }, samples] = await Promise.all([
        client.getApp(name),
        client.listEvents({ app: name, limit: SHOW_EVENTS }),
        // A daemon older than the samples route: show the rest
        client.samples(name).catch(() => null)
      ])
      ctx.print(renderAppDetail(app, events, Date.now(), ctx.colors))
      const notice = nginxNotice([app], ctx.health())
      if (notice !== null) ctx.warn(ctx.colors.dim(notice))
      if (samples !== null) ctx.print(['', ctx.colors.bold('last minute (cpu % of one core, memory of the process tree)'), ...renderSamples(samples, ctx.colors)])
    }))
}
