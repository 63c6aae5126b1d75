// `sup scale <app> <N>`: start new workers or stop the highest instances until the app has N.
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { renderAppList } from '../render/views.ts'

/** Registers `sup scale`. */
export function registerScale (program: Command, ctx: CliContext): void {
  program
    .command('scale')
    .description('set the number of workers of an app')
    .argument('<app>', 'app name')
    .argument('<instances>', 'the number of workers wanted')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (name: string, instances: string, opts: { json?: boolean }) => {
      const view = await (await ctx.daemon()).scaleApp(name, instances)
      if (opts.json === true) ctx.json(view)
      else ctx.print(renderAppList([view], Date.now(), ctx.colors))
    }))
}
