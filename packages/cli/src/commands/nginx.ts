// `sup nginx <app>`: prints a server block that proxies to the app's live upstream, and how to include it.
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'

/** Registers `sup nginx`. */
export function registerNginx (program: Command, ctx: CliContext): void {
  program
    .command('nginx')
    .description("print an nginx server block for an app (its upstream file is kept live by the daemon)")
    .argument('<app>', 'app name')
    .option('--listen <addr>', 'what the server block listens on (default 80)')
    .option('--server-name <name>', 'server_name of the block')
    .option('--json', 'print { upstreamPath, upstream, server } as JSON')
    .action(action(ctx, async (name: string, opts: { listen?: string; serverName?: string; json?: boolean }) => {
      const client = await ctx.daemon()
      const view = await client.nginx(name, { ...(opts.listen === undefined ? {} : { listen: opts.listen }), ...(opts.serverName === undefined ? {} : { serverName: opts.serverName }) })
      if (opts.json === true) { ctx.json(view); return }
      ctx.print(`# The upstream is ${view.upstreamPath} (rewritten by sup as workers come and go).\n${view.server}`)
    }))
}
