// `sup delete <app|all>`: stop an app's workers and forget its definition.
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { appNames, forEachApp } from '../targets.ts'

/** Registers `sup delete`. */
export function registerDelete (program: Command, ctx: CliContext): void {
  program
    .command('delete')
    .description('stop an app (or all) and remove its definition')
    .argument('<app>', 'app name, all, or a config file (its apps)')
    .option('--only <apps>', 'with a config file: only these apps (comma-separated)')
    .option('--keep-releases', 'keep its deployed releases on disk (by default they are removed with it)')
    .option('--json', 'print the API answer as JSON ({ deleted: [names] } for all)')
    .action(action(ctx, async (target: string, opts: { json?: boolean; only?: string; keepReleases?: boolean }) => {
      const client = await ctx.daemon()
      const names = await appNames(client, target, ctx, opts.only)
      if (names.length === 1 && names[0] === target) {
        const answer = await client.deleteApp(target, { keepReleases: opts.keepReleases === true })
        if (opts.json === true) ctx.json(answer)
        else ctx.print(`deleted ${answer.deleted}${answer.releasesRemoved !== undefined && answer.releasesRemoved > 0 ? ` and its ${answer.releasesRemoved} release(s)` : ''}`)
        return
      }
      const results = await forEachApp(ctx, names, (name) => client.deleteApp(name, { keepReleases: opts.keepReleases === true }), true)
      const deleted = results.map((r) => r.deleted)
      if (opts.json === true) ctx.json({ deleted })
      else ctx.print(deleted.length === 0 ? ctx.colors.dim('no apps to delete') : deleted.map((name) => `deleted ${name}`))
    }))
}
