// `sup stop <app|all>`: stop every worker of an app (or of every app), keeping the definition.
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { renderAppList } from '../render/views.ts'
import { appNames, forEachApp } from '../targets.ts'

/** Registers `sup stop`. */
export function registerStop (program: Command, ctx: CliContext): void {
  program
    .command('stop')
    .description('stop an app (or all): signal its workers, SIGKILL after --kill-timeout')
    .argument('<app>', 'app name, or all')
    .option('--json', 'print the API answer as JSON ({ apps } for all)')
    .action(action(ctx, async (target: string, opts: { json?: boolean }) => {
      const client = await ctx.daemon()
      if (target !== 'all') {
        const view = await client.stopApp(target)
        if (opts.json === true) ctx.json(view)
        else ctx.print(renderAppList([view], Date.now(), ctx.colors))
        return
      }
      const apps = await forEachApp(ctx, await appNames(client, target), (name) => client.stopApp(name), true)
      if (opts.json === true) ctx.json({ apps })
      else if (apps.length > 0) ctx.print(renderAppList(apps, Date.now(), ctx.colors))
    }))
}
