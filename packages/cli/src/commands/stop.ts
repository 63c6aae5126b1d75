// `sup stop <app|all>`: stop every worker of an app (or of every app), keeping the definition.
import type { Command } from 'commander'
import type { CliContext } from '../context.ts'
import { registerAppAction } from './app-action.ts'

/** Registers `sup stop`. */
export function registerStop (program: Command, ctx: CliContext): void {
  registerAppAction(program, ctx, {
    verb: 'stop',
    description: 'stop an app, one worker (app:i), all, or the apps of a file: signal its workers, SIGKILL after --kill-timeout',
    call: (client, app, opts) => client.stopApp(app, opts),
    parallel: true
  })
}
