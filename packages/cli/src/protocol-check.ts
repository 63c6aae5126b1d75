// The CLI talks only to a daemon that speaks its API version: a daemon of another release is named, with the way out.
import { PROTOCOL_VERSION, SUP_VERSION } from '@sup/protocol/version'
import type { HealthView } from '@sup/client'
import { CliError } from './errors.ts'

/** A CLI and a daemon of releases whose APIs differ. */
export const SUP_ERR_PROTOCOL_MISMATCH = 'SUP_ERR_PROTOCOL_MISMATCH'

/** Throws unless the daemon's /healthz answer carries this CLI's protocol version (sup 0.1.0 daemons carry none). */
export function checkProtocol (health: HealthView, ours: number = PROTOCOL_VERSION): void {
  if (health.protocol === ours) return
  const theirs = health.protocol === undefined ? 'none' : String(health.protocol)
  throw new CliError(
    `This sup (${SUP_VERSION}, protocol ${ours}) cannot talk to the running daemon (pid ${health.pid}, sup ${health.version}, protocol ${theirs})`,
    { code: SUP_ERR_PROTOCOL_MISMATCH, hint: 'run `sup daemon --restart`: the new daemon replaces the old one and keeps every worker running' }
  )
}
