// One shape for `sup stop|restart|reload <app|all>`: call the API for one app, or for each app, and print the views.
import type { Command } from 'commander'
import type { AppView } from '@sup/protocol'
import type { SupClient } from '@sup/client'
import { action, type CliContext } from '../context.ts'
import { renderAppList } from '../render/views.ts'
import { appNames, forEachApp } from '../targets.ts'

export interface AppActionSpec {
  readonly verb: string
  readonly description: string
  readonly call: (client: SupClient, app: string) => Promise<AppView>
  /** `all` runs every app at once (stop) or one after the other (restart, reload). */
  readonly parallel: boolean
}

/** Registers `sup <verb> <app|all> [--json]`. */
export function registerAppAction (program: Command, ctx: CliContext, spec: AppActionSpec): void {
  program
    .command(spec.verb)
    .description(spec.description)
    .argument('<app>', 'app name, or all')
    .option('--json', 'print the API answer as JSON ({ apps } for all)')
    .action(action(ctx, async (target: string, opts: { json?: boolean }) => {
      const client = await ctx.daemon()
      if (target !== 'all') {
        const view = await spec.call(client, target)
        if (opts.json === true) ctx.json(view)
        else ctx.print(renderAppList([view], Date.now(), ctx.colors))
        return
      }
      const apps = await forEachApp(ctx, await appNames(client, target), (name) => spec.call(client, name), spec.parallel)
      if (opts.json === true) ctx.json({ apps })
      else if (apps.length > 0) ctx.print(renderAppList(apps, Date.now(), ctx.colors))
    }))
}
