// `sup scale <app> <N|+N|-N> [--port-range]`: start new workers or stop the highest instances until the app has N
// (+/-: relative, PM2's meaning); --port-range changes the app's range first (every worker keeps its port).
import { isSupClientError } from '@sup/client'
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { CliError } from '../errors.ts'
import { renderAppList } from '../render/views.ts'

/** The count wanted: `N` as given (the daemon validates it), `+N` / `-N` relative to `current`. */
export function targetCount (text: string, current: number): number | string {
  const m = /^([+-])(\d{1,6})$/.exec(text.trim())
  if (m === null) return text
  const n = current + (m[1] === '+' ? 1 : -1) * Number(m[2])
  if (n < 1) throw new CliError(`cannot scale from ${current} to ${n} workers`, { hint: 'use `sup stop <app>` to stop an app' })
  return n
}

/** Registers `sup scale`. */
export function registerScale (program: Command, ctx: CliContext): void {
  program
    .command('scale')
    .description('set the number of workers of an app (N), or add / remove some (+N / -N)')
    .argument('<app>', 'app name')
    .argument('<instances>', 'the number of workers wanted, or +N / -N')
    .option('--port-range <from-to>', "change the app's port range first (it must keep every worker's port), e.g. to make room for more workers")
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (name: string, instances: string, opts: { json?: boolean; portRange?: string }) => {
      const client = await ctx.daemon()
      const relative = /^[+-]/.test(instances.trim())
      const wanted = relative ? targetCount(instances, (await client.getApp(name)).spec.instances) : instances
      const view = await client.scaleApp(name, wanted, opts.portRange === undefined ? undefined : { portRange: opts.portRange }).catch((err: unknown) => {
        // a bad count or range: the hint by code would point at `sup start --help`
        throw isSupClientError(err, 'SUP_ERR_INVALID_SPEC') ? new CliError(err.message, { code: err.code, cause: err, hint: 'see `sup scale --help`' }) : err
      })
      if (opts.json === true) ctx.json(view)
      else ctx.print(renderAppList([view], Date.now(), ctx.colors))
    }))
}
