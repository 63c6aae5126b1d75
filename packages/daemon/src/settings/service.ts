// `sup config` in the daemon: shows where each setting came from, checks and writes a change, applies the live ones at once.
import type { ConfigChange, ConfigView, SettingView } from '@sup/protocol'
import { SUP_ERR_CONFIG_KEY, SUP_ERR_CONFIG_VALUE, SUP_ERR_CONFIG_WRITE } from '../errors.ts'
import { writeSettingsFile, type SettingsFile } from './config-file.ts'
import { commandOrNull, defaultNginxTest } from './boot.ts'
import { resolveSettings, type Resolution } from './resolve.ts'
import { SETTINGS, settingDef, validKeys, type SettingDef } from './schema.ts'

export interface ConfigServiceDeps {
  /** $SUP_HOME/config.json */
  readonly path: string
  /** What config.json held when the daemon started. */
  readonly file: SettingsFile
  /** The daemon's environment (its SUP_* variables override config.json for its life). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Applies the live settings (given as SUP_* variables) to the running daemon. */
  readonly apply: (asEnv: Readonly<Record<string, string>>) => void
  /** Writes the file (replaceable in tests). */
  readonly write?: (path: string, values: SettingsFile) => void
}

export type ConfigService = ReturnType<typeof createConfigService>

/** A setting's default; nginx.test's is derived from the nginx.reload in effect (`nginx -t` of the same nginx). */
function defaultOf (def: SettingDef, now: Resolution): string | null {
  if (def.key !== 'nginx.test') return def.fallback
  const reload = now.settings.find((s) => s.key === 'nginx.reload')?.value
  return defaultNginxTest(commandOrNull(reload ?? undefined))?.join(' ') ?? null
}

export function createConfigService (deps: ConfigServiceDeps) {
  let file: SettingsFile = { ...deps.file }
  /** What this daemon started with: the value in effect of a setting that is not live. */
  const atStart: Resolution = resolveSettings(file, deps.env)
  const write = deps.write ?? writeSettingsFile

  function view (): ConfigView {
    const now = resolveSettings(file, deps.env)
    const settings: SettingView[] = SETTINGS.map((def, i) => {
      const cur = now.settings[i]
      const start = atStart.settings[i]
      if (cur === undefined || start === undefined) throw new Error(`setting ${def.key} missing`)
      const inEffect = def.live ? cur : { ...start, configValue: cur.configValue }
      return { ...inEffect, default: defaultOf(def, now), live: def.live, pending: !def.live && start.value !== cur.value, help: def.help }
    })
    return { path: deps.path, settings }
  }

  function change (key: string, next: SettingsFile): ConfigChange {
    try { write(deps.path, next) } catch (err) { throw new SUP_ERR_CONFIG_WRITE((err as Error).message) }
    file = next
    const def = settingDef(key)
    const setting = view().settings.find((s) => s.key === key)
    if (def === undefined || setting === undefined) throw new SUP_ERR_CONFIG_KEY(key, validKeys())
    if (setting.source === 'env') return { setting, effect: 'overridden' }
    if (!def.live) return { setting, effect: 'restart' }
    deps.apply(resolveSettings(file, deps.env).asEnv)
    return { setting, effect: 'now' }
  }

  return {
    view,
    /** Checks and writes one setting; nothing is written when the key or value is bad. */
    set (key: string, value: string): ConfigChange {
      const def = settingDef(key)
      if (def === undefined) throw new SUP_ERR_CONFIG_KEY(key.slice(0, 100), validKeys())
      let text: string
      try { text = def.check(value) } catch (err) { throw new SUP_ERR_CONFIG_VALUE(key, (err as Error).message) }
      return change(key, { ...file, [key]: text })
    },
    /** Removes one setting from config.json (back to its default). */
    unset (key: string): ConfigChange {
      if (settingDef(key) === undefined) throw new SUP_ERR_CONFIG_KEY(key.slice(0, 100), validKeys())
      const next = { ...file }
      delete next[key]
      return change(key, next)
    }
  }
}
