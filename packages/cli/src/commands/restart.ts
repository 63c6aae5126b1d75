// `sup restart <app|all>`: stop then start each worker (errored ones are retried at once).
import type { Command } from 'commander'
import type { CliContext } from '../context.ts'
import { registerAppAction } from './app-action.ts'

/** Registers `sup restart`. */
export function registerRestart (program: Command, ctx: CliContext): void {
  registerAppAction(program, ctx, {
    verb: 'restart',
    description: 'restart an app (or all, one app after the other); retries errored workers at once',
    call: (client, app, opts) => client.restartApp(app, opts),
    updatesEnv: true,
    parallel: false
  })
}
