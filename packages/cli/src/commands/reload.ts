// `sup reload <app|all>`: zero-downtime rolling replacement of every worker (DESIGN.md: zero-downtime reload).
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { renderAppList } from '../render/views.ts'
import { appNames, forEachApp } from '../targets.ts'

/** Registers `sup restart`. */
export function registerReload (program: Command, ctx: CliContext): void {
  program
    .command('reload')
    .description('replace every worker one at a time with no failed request: new worker ready and published before the old one leaves')
    .argument('<app>', 'app name, or all')
    .option('--json', 'print the API answer as JSON ({ apps } for all)')
    .action(action(ctx, async (target: string, opts: { json?: boolean }) => {
      const client = await ctx.daemon()
      if (target !== 'all') {
        const view = await client.reloadApp(target)
        if (opts.json === true) ctx.json(view)
        else ctx.print(renderAppList([view], Date.now(), ctx.colors))
        return
      }
      const apps = await forEachApp(ctx, await appNames(client, target), (name) => client.reloadApp(name), false)
      if (opts.json === true) ctx.json({ apps })
      else if (apps.length > 0) ctx.print(renderAppList(apps, Date.now(), ctx.colors))
    }))
}
