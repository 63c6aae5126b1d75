// `sup nginx <app>`: prints a server block that proxies to the app's live upstream, and how to include it.
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'

interface NginxOptions { listen?: string; serverName?: string; json?: boolean }

/** What `sup nginx <app>` prints: where the upstream is, what to do with the server block, how sup reloads nginx. */
export function nginxInstructions (name: string, view: { upstreamPath: string; server: string }): string[] {
  return [
    `# The upstream of '${name}' is ${view.upstreamPath}, rewritten by sup as workers come and go.`,
    '# Put its include line (above the server block) in nginx\'s http { } block, then this block, and `nginx -s reload`.',
    '# Let sup reload nginx: sup config set nginx.reload \'nginx -s reload\' (docs/nginx.md).',
    view.server.trimEnd()
  ]
}

/** Registers `sup nginx`: the operator pastes its output once; the daemon keeps the upstream file live after that. */
export function registerNginx (program: Command, ctx: CliContext): void {
  program
    .command('nginx')
    .description('print an nginx server block for an app (its upstream file is kept live by the daemon)')
    .argument('<app>', 'app name')
    .option('--listen <addr>', 'what the server block listens on: 80, 127.0.0.1:8080, "443 ssl" (default 80)')
    .option('--server-name <name>', 'server_name of the block')
    .option('--json', 'print { upstreamPath, upstream, server } as JSON')
    .action(action(ctx, async (name: string, opts: NginxOptions) => {
      const client = await ctx.daemon()
      const view = await client.nginx(name, {
        ...(opts.listen === undefined ? {} : { listen: opts.listen }),
        ...(opts.serverName === undefined ? {} : { serverName: opts.serverName })
      })
      if (opts.json === true) { ctx.json(view); return }
      ctx.print(nginxInstructions(name, view))
    }))
}
