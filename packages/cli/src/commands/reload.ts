// `sup reload <app|all>`: zero-downtime rolling replacement of every worker (DESIGN.md: zero-downtime reload).
import type { Command } from 'commander'
import type { CliContext } from '../context.ts'
import { registerAppAction } from './app-action.ts'

/** Registers `sup reload`. */
export function registerReload (program: Command, ctx: CliContext): void {
  registerAppAction(program, ctx, {
    verb: 'reload',
    description: 'replace every worker zero-downtime: each new worker ready and published before the old one leaves (all at once with a spare port for each)',
    call: (client, app, opts) => client.reloadApp(app, opts),
    updatesEnv: true,
    parallel: false
  })
}
