// `sup config list/get` show each setting's default: the text a setting shows must be what the daemon runs with
// when nothing sets it, and a value `sup config set` would take.
import { describe, expect, it } from 'vitest'
import { loadDaemonConfig } from '../../../src/config.ts'
import { loadDeployLimits } from '../../../src/deploy/limits.ts'
import { resolveSettings } from '../../../src/settings/resolve.ts'
import { liveSettingsFrom } from '../../../src/settings/boot.ts'
import { SETTINGS } from '../../../src/settings/schema.ts'

/** Every setting given its shown default, as the SUP_* variables the loaders read. */
const asDefaults = (): Record<string, string> => {
  const file = Object.fromEntries(SETTINGS.filter((d) => d.fallback !== null).map((d) => [d.key, d.fallback as string]))
  return resolveSettings(file, {}).asEnv
}

describe('setting defaults', () => {
  it('each is a value its own check accepts as it is', () => {
    for (const def of SETTINGS) if (def.fallback !== null) expect(def.check(def.fallback), def.key).toBe(def.fallback)
  })

  it('are what the daemon runs with when nothing is set', () => {
    const env = asDefaults()
    expect(loadDeployLimits(env)).toEqual(loadDeployLimits({}))
    expect(liveSettingsFrom(env)).toEqual(liveSettingsFrom({}))
    const home = { SUP_HOME: '/tmp/sup-fallbacks' }
    expect(loadDaemonConfig({ ...home, ...env })).toEqual(loadDaemonConfig(home))
    expect(env.SUP_LISTEN_REMOTE).toBe('0')
    expect(env.SUP_NPM_INSTALL_SCRIPTS).toBe('false')
  })

  it('off ones (no nginx command, no TCP listener) have none', () => {
    expect(SETTINGS.filter((d) => d.fallback === null).map((d) => d.key)).toEqual(['nginx.reload', 'nginx.test', 'listen'])
  })
})
