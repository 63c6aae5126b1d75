// `--host URL --token T`: a command talks to a daemon's TCP API instead of the local socket (no daemon is started then).
import { createClient, type SupClient } from '@sup/client'
import type { Command } from 'commander'
import type { CliContext } from './context.ts'
import { CliError } from './errors.ts'

export interface RemoteFlags { host?: string; token?: string }

/** Adds --host and --token to a command. */
export function addRemoteOptions (cmd: Command): Command {
  return cmd
    .option('--host <url>', "a daemon's TCP API (`sup daemon --listen 127.0.0.1:9002`), e.g. http://127.0.0.1:9002, instead of the local socket")
    .option('--token <token>', 'the bearer token for --host (better: SUP_TOKEN, which other users cannot see in `ps`); the daemon keeps it in $SUP_HOME/token')
}

/** `127.0.0.1:9002` or `http://127.0.0.1:9002` as a base URL; anything else is a usage error. */
export function parseHost (text: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`
  let url: URL
  try { url = new URL(withScheme) } catch { throw new CliError(`--host '${text}' is not a URL`, { hint: 'e.g. --host http://127.0.0.1:9002' }) }
  if (url.protocol !== 'http:') throw new CliError(`--host '${text}': only http:// is supported`, { hint: 'put TLS in front of the daemon and tunnel to it, or use the local socket' })
  if (url.username !== '' || url.password !== '') throw new CliError('--host must not hold credentials: pass the token with --token or SUP_TOKEN')
  return url.origin
}

/** The client a command uses: the local daemon (started when none answers), or the one at --host with its token. */
export async function clientFor (ctx: CliContext, flags: RemoteFlags): Promise<SupClient> {
  if (flags.host === undefined) {
    if (flags.token !== undefined) throw new CliError('--token is only used with --host', { hint: 'the local socket needs no token' })
    return ctx.daemon()
  }
  const url = parseHost(flags.host)
  const token = flags.token ?? ctx.env.SUP_TOKEN
  if (token === undefined || token === '') {
    throw new CliError(`--host ${url} needs a token`, { hint: "pass --token, or set SUP_TOKEN; it is in the daemon's $SUP_HOME/token" })
  }
  return createClient({ url, token })
}
