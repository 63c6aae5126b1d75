// `sup restart <app|all>`: stop then start each worker (errored ones are retried at once).
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { renderAppList } from '../render/views.ts'
import { appNames, forEachApp } from '../targets.ts'

/** Registers `sup restart`. */
export function registerRestart (program: Command, ctx: CliContext): void {
  program
    .command('restart')
    .description('restart an app (or all, one app after the other); retries errored workers at once')
    .argument('<app>', 'app name, or all')
    .option('--json', 'print the API answer as JSON ({ apps } for all)')
    .action(action(ctx, async (target: string, opts: { json?: boolean }) => {
      const client = await ctx.daemon()
      if (target !== 'all') {
        const view = await client.restartApp(target)
        if (opts.json === true) ctx.json(view)
        else ctx.print(renderAppList([view], Date.now(), ctx.colors))
        return
      }
      const apps = await forEachApp(ctx, await appNames(client, target), (name) => client.restartApp(name), false)
      if (opts.json === true) ctx.json({ apps })
      else if (apps.length > 0) ctx.print(renderAppList(apps, Date.now(), ctx.colors))
    }))
}
