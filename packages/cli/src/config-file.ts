// `sup start apps.json`: reads `{ "apps": [AppSpecInput...] }`, checks its shape, resolves relative paths.
import type { AppSpecInput } from '@sup/protocol'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { CliError } from './errors.ts'

type Kind = 'string' | 'number-or-string' | 'boolean' | 'string-array' | 'env'

/** Every key an app may have in a config file, and what it holds. */
export const CONFIG_KEYS: Readonly<Record<keyof AppSpecInput, Kind>> = {
  name: 'string',
  script: 'string',
  args: 'string-array',
  cwd: 'string',
  instances: 'number-or-string',
  portRange: 'string',
  env: 'env',
  restart: 'string',
  restartDelay: 'number-or-string',
  maxRestartDelay: 'number-or-string',
  minUptime: 'number-or-string',
  maxRestarts: 'number-or-string',
  restartWindow: 'number-or-string',
  retryIn: 'number-or-string',
  listenTimeout: 'number-or-string',
  killTimeout: 'number-or-string',
  killSignal: 'string',
  waitReady: 'boolean',
  logMaxSize: 'number-or-string',
  logFiles: 'number-or-string',
  health: 'string',
  healthInterval: 'number-or-string',
  healthTimeout: 'number-or-string',
  healthFailures: 'number-or-string',
  drain: 'number-or-string',
  watch: 'boolean',
  watchIgnore: 'string-array',
  maxMemory: 'number-or-string',
  maxCpu: 'number-or-string',
  over: 'number-or-string',
  sampleInterval: 'number-or-string',
  cronRestart: 'string'
}

const KIND_TEXT: Readonly<Record<Kind, string>> = {
  string: 'a string',
  'number-or-string': 'a number or a string such as "10s"',
  boolean: 'true or false',
  'string-array': 'an array of strings',
  env: 'an object of string values'
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fits (kind: Kind, value: unknown): boolean {
  switch (kind) {
    case 'string': return typeof value === 'string' && value !== ''
    case 'number-or-string': return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
    case 'boolean': return typeof value === 'boolean'
    case 'string-array': return Array.isArray(value) && value.every((v) => typeof v === 'string')
    case 'env': return isRecord(value) && Object.values(value).every((v) => ['string', 'number', 'boolean'].includes(typeof v))
  }
}

function checkApp (value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new CliError(`${where} must be an object such as { "script": "server.js" }`)
  for (const [key, v] of Object.entries(value)) {
    const kind = (CONFIG_KEYS as Readonly<Record<string, Kind>>)[key]
    if (kind === undefined) throw new CliError(`${where} has an unknown key '${key}'`, { hint: `known keys: ${Object.keys(CONFIG_KEYS).join(', ')}` })
    if (!fits(kind, v)) throw new CliError(`${where}.${key} must be ${KIND_TEXT[kind]}`)
  }
  if (value.script === undefined) throw new CliError(`${where} needs a "script"`)
  return value
}

/**
 * The apps of a config file's text. `file` is its absolute path: a relative `cwd` resolves against the file's
 * directory, a relative `script` against the app's cwd when it has one (as PM2 does), else the file's directory.
 */
export function parseConfig (text: string, file: string): AppSpecInput[] {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!isRecord(doc) || !Array.isArray(doc.apps) || doc.apps.length === 0) {
    throw new CliError(`${file} must be { "apps": [ { "script": "server.js", ... } ] } with at least one app`)
  }
  const dir = dirname(file)
  return doc.apps.map((entry: unknown, i: number) => {
    const app = checkApp(entry, `${file}: apps[${i}]`)
    const spec = { ...app } as AppSpecInput
    if (spec.cwd !== undefined) spec.cwd = resolve(dir, spec.cwd)
    spec.script = resolve(spec.cwd ?? dir, spec.script)
    if (isRecord(app.env)) spec.env = Object.fromEntries(Object.entries(app.env).map(([k, v]) => [k, String(v)]))
    return spec
  })
}

/** Reads and parses a config file (path resolved against `cwd`). */
export async function readConfigFile (path: string, cwd: string = process.cwd()): Promise<AppSpecInput[]> {
  const file = resolve(cwd, path)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const code = isRecord(err) && typeof err.code === 'string' ? err.code : ''
    throw new CliError(code === 'ENOENT' ? `Config file ${file} does not exist` : `Cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`)
  }
  return parseConfig(text, file)
}
