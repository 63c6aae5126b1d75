// The daemon's settings at start: config.json read, the environment laid over it, the first file written (and migrated).
import { DEFAULT_LOGS, DEFAULT_PORT_POOL } from '../core/defaults.ts'
import { parseBytes, parseCount } from '../core/units.ts'
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { parseCommand } from '../adapters/nginx-upstream.ts'
import { parsePortRange, type PortRange } from '../core/port-allocator.ts'
import { readSettingsFile, writeSettingsFile, type SettingsFile } from './config-file.ts'
import { resolveSettings, settingsToMigrate, type Resolution } from './resolve.ts'
import { SETTINGS } from './schema.ts'

export interface BootSettings {
  readonly configPath: string
  readonly file: SettingsFile
  readonly resolution: Resolution
  /** The daemon's environment with every setting variable replaced by the value in effect (for loadDaemonConfig, deploy limits). */
  readonly env: Record<string, string | undefined>
  /** Ignored keys/values of config.json and the environment, in words. */
  readonly problems: string[]
  /**
   * Writes config.json when there is none yet. At the first start after an upgrade (`hadDatabase`: a sup.db existed
   * before this daemon opened one) the settings found only in the environment are written into it, once; returns the
   * keys that were. A fresh home gets an empty file.
   */
  persistFirstFile (hadDatabase: boolean): string[]
}

export function readBootSettings (env: Readonly<Record<string, string | undefined>>): BootSettings {
  const home = resolve(env.SUP_HOME ?? `${homedir()}/.sup`)
  const configPath = `${home}/config.json`
  const read = readSettingsFile(configPath)
  let file = read.values
  const resolution = resolveSettings(file, env)
  const out: Record<string, string | undefined> = { ...env }
  for (const def of SETTINGS) delete out[def.env]
  Object.assign(out, resolution.asEnv)
  return {
    configPath,
    file,
    resolution,
    env: out,
    problems: [...read.problems, ...resolution.problems],
    persistFirstFile (hadDatabase) {
      if (read.exists) return []
      const migrated = hadDatabase ? settingsToMigrate(env) : {}
      file = migrated
      writeSettingsFile(configPath, migrated)
      return Object.keys(migrated)
    }
  }
}

/** The settings a running daemon applies at once (`sup config set`): read through getters by the publisher, supervisor and installer. */
export interface LiveSettings {
  readonly nginxReload: string[] | null
  readonly nginxTest: string[] | null
  readonly portPool: PortRange
  readonly npmInstallScripts: boolean
  /** Log rotation of apps started without --log-max-size / --log-files. */
  readonly logMaxSize: number
  readonly logFiles: number
}

/** The live settings from SUP_* variables (as resolveSettings gives them), defaults applied. */
export function liveSettingsFrom (asEnv: Readonly<Record<string, string | undefined>>): LiveSettings {
  const nginxReload = commandOrNull(asEnv.SUP_NGINX_RELOAD)
  const test = asEnv.SUP_NGINX_TEST
  return {
    nginxReload,
    nginxTest: test === undefined || test.trim() === '' ? defaultNginxTest(nginxReload) : commandOrNull(test),
    portPool: parsePortRange(asEnv.SUP_PORT_POOL ?? DEFAULT_PORT_POOL),
    npmInstallScripts: asEnv.SUP_NPM_INSTALL_SCRIPTS === 'true',
    logMaxSize: parseBytes(asEnv.SUP_LOG_MAX_SIZE ?? '') ?? DEFAULT_LOGS.maxSize,
    logFiles: parseCount(asEnv.SUP_LOG_FILES ?? '') ?? DEFAULT_LOGS.files
  }
}

/** An nginx command: unset, empty or "off" is none. */
export function commandOrNull (text: string | undefined): string[] | null {
  if (text === undefined || text.trim() === 'off') return null
  const cmd = parseCommand(text)
  return cmd.length === 0 ? null : cmd
}

/** `nginx -t` against the config the reload command names: `<nginx> [-p …] [-c …] -s reload` becomes `… -t`. */
export function defaultNginxTest (reload: readonly string[] | null): string[] | null {
  if (reload === null) return null
  const n = reload.length
  const isSignal = n >= 3 && /(^|\/)nginx$/.test(reload[0] ?? '') && reload[n - 2] === '-s' && reload[n - 1] === 'reload'
  return isSignal ? [...reload.slice(0, n - 2), '-t'] : ['nginx', '-t']
}
