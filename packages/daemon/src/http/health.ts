// GET /healthz's answer: the route serves it, and the start handoff sends it with its answer (the CLI then needs no
// second request to check the daemon's protocol and settings).
import { PROTOCOL_VERSION } from '@sup/protocol/version'
import type { HealthView } from '@sup/protocol'

type Setting = { env: string; value: string | null; source: 'env' | 'config' | 'default'; configValue: string | null }

export interface HealthDeps {
  readonly pid: number
  readonly version: string
  readonly home: string
  /** `sup config`: absent, the answer carries no settings. */
  readonly config?: { view (): { settings: readonly Setting[] } }
}

/** Each setting by its variable name, as `sup` compares them with its own environment. */
function settingsByEnv (list: readonly Setting[]): NonNullable<HealthView['settings']> {
  return Object.fromEntries(list.map((s) => [s.env, { value: s.value, source: s.source, configValue: s.configValue }]))
}

export function healthAnswer (deps: HealthDeps): HealthView {
  return { ok: true, pid: deps.pid, version: deps.version, protocol: PROTOCOL_VERSION, home: deps.home, ...(deps.config === undefined ? {} : { settings: settingsByEnv(deps.config.view().settings) }) }
}
