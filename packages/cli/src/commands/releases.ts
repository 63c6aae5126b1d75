// `sup releases <app>`: the app's kept releases, newest first, the current one marked.
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { renderReleases } from '../render/releases.ts'
import { addRemoteOptions, clientFor, type RemoteFlags } from '../remote.ts'

/** Registers `sup releases`. */
export function registerReleases (program: Command, ctx: CliContext): void {
  const cmd = program
    .command('releases')
    .description('list the deployed releases of an app (newest first; * marks the current one)')
    .argument('<app>', 'app name')
    .option('--json', 'print the API answer as JSON')
  addRemoteOptions(cmd)
    .action(action(ctx, async (app: string, flags: RemoteFlags & { json?: boolean }) => {
      const answer = await (await clientFor(ctx, flags)).releases(app)
      if (flags.json === true) ctx.json(answer)
      else if (answer.releases.length === 0) ctx.print(ctx.colors.dim(`no releases of '${app}': deploy one with \`sup deploy <dir> --app ${app}\``))
      else ctx.print(renderReleases(answer.releases, ctx.colors))
    }))
}
