// `sup rollback <app> [id]`: rolls the app's workers back onto an earlier release (default: the one before the current).
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { renderDeployResult } from '../render/releases.ts'
import { addRemoteOptions, clientFor, type RemoteFlags } from '../remote.ts'

/** Registers `sup rollback`. */
export function registerRollback (program: Command, ctx: CliContext): void {
  const cmd = program
    .command('rollback')
    .description('go back to an earlier release, the zero-downtime way (default: the one before the current)')
    .argument('<app>', 'app name')
    .argument('[id]', 'the release to go back to (see `sup releases <app>`)')
    .option('--json', 'print the DeployResult as JSON')
  addRemoteOptions(cmd)
    .action(action(ctx, async (app: string, id: string | undefined, flags: RemoteFlags & { json?: boolean }) => {
      const result = await (await clientFor(ctx, flags)).rollback(app, id)
      if (flags.json === true) ctx.json(result)
      else ctx.print(renderDeployResult('rolled back', result, Date.now(), ctx.colors))
    }))
}
