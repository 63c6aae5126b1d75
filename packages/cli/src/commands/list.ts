// `sup list` (`ls`): every app's workers as a table, or the API answer as JSON.
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { renderAppList } from '../render/views.ts'
import { nginxNotice } from '../settings-check.ts'

/** What `sup list` does; bin/sup.js's short path runs it too (plain-list-run.ts). */
export async function listApps (ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const answer = await (await ctx.daemon()).listApps()
  if (opts.json === true) ctx.json(answer)
  else if (answer.apps.length === 0) ctx.print(ctx.colors.dim('no apps yet: start one with `sup start app.js`'))
  else ctx.print(renderAppList(answer.apps, Date.now(), ctx.colors))
  const notice = nginxNotice(answer.apps, ctx.health())
  if (notice !== null) ctx.warn(ctx.colors.dim(notice))
}

/** Registers `sup list` and its alias `sup ls`. */
export function registerList (program: Command, ctx: CliContext): void {
  program
    .command('list')
    .alias('ls')
    .description('list apps and their workers: app, #, pid, port, state, uptime, restarts, cpu, mem (and each app total)')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (opts: { json?: boolean }) => { await listApps(ctx, opts) }))
}
