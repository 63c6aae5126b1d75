// Which value each setting has for this daemon's life, and where it came from: environment over config.json over default.
import { SETTINGS } from './schema.ts'
import type { SettingsFile } from './config-file.ts'

export type SettingSource = 'env' | 'config' | 'default'

export interface ResolvedSetting {
  readonly key: string
  readonly env: string
  /** The value in effect (text), or null for the default. */
  readonly value: string | null
  readonly source: SettingSource
  /** What config.json says (null: nothing), shown beside an environment override. */
  readonly configValue: string | null
}

export interface Resolution {
  readonly settings: ResolvedSetting[]
  /** The settings as SUP_* variables, for the loaders that read an environment (config.ts, deploy limits). */
  readonly asEnv: Record<string, string>
  /** Environment values that were refused (the config.json value or the default is used instead). */
  readonly problems: string[]
}

/** Resolves every setting; a bad environment value is reported and skipped, like a bad config.json one. */
export function resolveSettings (file: SettingsFile, env: Readonly<Record<string, string | undefined>>): Resolution {
  const settings: ResolvedSetting[] = []
  const asEnv: Record<string, string> = {}
  const problems: string[] = []
  for (const def of SETTINGS) {
    const configValue = file[def.key] ?? null
    let fromEnv: string | null = null
    const raw = env[def.env]
    if (raw !== undefined && raw.trim() !== '') {
      try { fromEnv = def.check(raw) } catch (err) { problems.push(`${def.env}: ${(err as Error).message}; ignored`) }
    }
    const value = fromEnv ?? configValue
    settings.push({ key: def.key, env: def.env, value, source: fromEnv !== null ? 'env' : configValue !== null ? 'config' : 'default', configValue })
    if (value !== null) asEnv[def.env] = value
  }
  if (asEnv.SUP_LISTEN_REMOTE !== undefined) asEnv.SUP_LISTEN_REMOTE = asEnv.SUP_LISTEN_REMOTE === 'true' ? '1' : '0'
  return { settings, asEnv, problems }
}

/**
 * Settings an older sup took only from the environment: at the first start after the upgrade (no config.json, but
 * a sup.db), the ones set in the environment are written to config.json once, so a daemon started from any shell behaves the same.
 */
export function settingsToMigrate (env: Readonly<Record<string, string | undefined>>): SettingsFile {
  const out: SettingsFile = {}
  for (const def of SETTINGS) {
    const raw = env[def.env]
    if (raw === undefined || raw.trim() === '') continue
    try { out[def.key] = def.check(raw) } catch { /* a bad value is not persisted */ }
  }
  return out
}
