// `sup start apps.json|ecosystem.config.js|apps.yaml`: reads `{ apps: [...] }` (sup's keys, PM2's, or both), checks it, resolves paths.
import type { AppSpecInput } from '@sup/protocol'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { shellNode } from './app-spec-args.ts'
import { mapPm2App, usesPm2Keys } from './ecosystem.ts'
import { CliError } from './errors.ts'
import { findInPath } from './shell-env.ts'

type Kind = 'string' | 'number-or-string' | 'boolean' | 'string-array' | 'env' | 'boolean-or-paths' | 'never'

/** Every key an app may have in a config file, and what it holds. */
export const CONFIG_KEYS: Readonly<Record<keyof AppSpecInput, Kind>> = {
  name: 'string',
  script: 'string',
  args: 'string-array',
  interpreter: 'string',
  interpreterArgs: 'string-array',
  cwd: 'string',
  instances: 'number-or-string',
  portRange: 'string',
  port: 'boolean',
  readyAfter: 'number-or-string',
  env: 'env',
  shellEnv: 'never',
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
  watch: 'boolean-or-paths',
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
  env: 'an object of string values',
  'boolean-or-paths': 'true, false or an array of paths',
  never: 'absent (it is set by `sup start` itself)'
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
    case 'boolean-or-paths': return typeof value === 'boolean' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))
    case 'never': return false
  }
}

/** How a file is read: `--env <name>` picks PM2's env_<name>; `only` keeps the apps named (comma-separated). */
export interface ConfigOptions {
  readonly envName?: string | undefined
  readonly only?: string | undefined
  /** Read every app with PM2's meanings (JS and YAML files are PM2 formats); JSON apps only when they use PM2 keys. */
  readonly pm2?: boolean
  /** The PATH bare commands (`npm`, `python3`) are looked up in. */
  readonly path?: string | undefined
  readonly warn?: (line: string) => void
}

function checkApp (value: unknown, where: string): Record<string, unknown> {
  if (!isRecord(value)) throw new CliError(`${where} must be an object such as { "script": "server.js" }`)
  for (const [key, v] of Object.entries(value)) {
    const kind = (CONFIG_KEYS as Readonly<Record<string, Kind>>)[key]
    if (kind === undefined) throw new CliError(`${where} has an unknown key '${key}'`, { hint: `known keys: ${Object.keys(CONFIG_KEYS).filter((k) => k !== 'shellEnv').join(', ')} (and PM2's, see docs/pm2.md)` })
    if (!fits(kind, v)) throw new CliError(`${where}.${key} must be ${KIND_TEXT[kind]}`)
  }
  if (value.script === undefined) throw new CliError(`${where} needs a "script"`)
  return value
}

/** A PM2 app mapped to sup's keys; its unsupported keys and notes are printed once per app. */
function fromPm2 (value: unknown, where: string, opts: ConfigOptions): Record<string, unknown> {
  if (!isRecord(value)) throw new CliError(`${where} must be an object such as { script: 'server.js' }`)
  const mapped = mapPm2App(value, where, Object.keys(CONFIG_KEYS), opts.envName)
  const label = typeof value.name === 'string' ? `app '${value.name}'` : where
  if (mapped.unsupported.length > 0) opts.warn?.(`sup: ${label}: PM2 keys sup does not support, ignored: ${mapped.unsupported.join(', ')}`)
  for (const note of mapped.notes) opts.warn?.(`sup: ${label}: ${note}`)
  return mapped.spec
}

/** A script written as a bare command name (`npm`) that is no file next to the config: looked up in PATH. */
function resolveScript (script: string, base: string, path: string | undefined): { script: string; inPath: boolean } {
  const local = resolve(base, script)
  if (script.includes('/') || existsSync(local)) return { script: local, inPath: false }
  const found = findInPath(script, path)
  return found === undefined ? { script: local, inPath: false } : { script: found, inPath: true }
}

function resolveInterpreter (name: string, where: string, path: string | undefined): string {
  if (name.startsWith('/')) return name
  const found = findInPath(name, path)
  if (found === undefined) throw new CliError(`${where}: interpreter '${name}' not found in PATH`, { hint: 'install it, or give its absolute path' })
  return found
}

/**
 * The apps of a parsed config document. `file` is its absolute path: a relative `cwd` resolves against the file's
 * directory, a relative `script` against the app's cwd when it has one (as PM2 does), else the file's directory,
 * which is then its cwd.
 */
export function appsOf (doc: unknown, file: string, opts: ConfigOptions = {}): AppSpecInput[] {
  if (!isRecord(doc) || !Array.isArray(doc.apps) || doc.apps.length === 0) {
    throw new CliError(`${file} must be { "apps": [ { "script": "server.js", ... } ] } with at least one app`)
  }
  if (doc.deploy !== undefined) opts.warn?.(`sup: ${file}: the PM2 'deploy' section is ignored (see \`sup deploy\`)`)
  const dir = dirname(file)
  const only = opts.only?.split(',').filter((n) => n !== '')
  const specs = doc.apps.map((entry: unknown, i: number) => {
    const where = `${file}: apps[${i}]`
    const pm2 = opts.pm2 === true || (isRecord(entry) && usesPm2Keys(entry))
    const app = checkApp(pm2 ? fromPm2(entry, where, opts) : entry, where)
    const spec = { ...app } as AppSpecInput
    const named = spec.cwd !== undefined
    // an app that names no cwd runs by the file (the project's root, where PM2 users run `pm2 start`): its .env,
    // config/ and package.json (`npm start`) are there, whichever directory its script is in
    spec.cwd = resolve(dir, spec.cwd ?? '.')
    const script = resolveScript(spec.script, named ? spec.cwd : dir, opts.path)
    spec.script = script.script
    if (spec.interpreter !== undefined) spec.interpreter = resolveInterpreter(spec.interpreter, where, opts.path)
    else {
      const node = script.inPath ? undefined : shellNode(spec.script) // a Node script runs on this shell's node
      if (node !== undefined) spec.interpreter = node
    }
    if (isRecord(app.env)) spec.env = Object.fromEntries(Object.entries(app.env).map(([k, v]) => [k, String(v)]))
    return spec
  })
  if (only === undefined) return specs
  const picked = specs.filter((s) => only.includes(s.name ?? ''))
  const missing = only.filter((n) => !specs.some((s) => s.name === n))
  if (missing.length > 0) throw new CliError(`${file} has no app named ${missing.map((n) => `'${n}'`).join(', ')}`, { hint: `its apps: ${specs.map((s) => s.name ?? s.script).join(', ')}` })
  return picked
}

/** The apps of a JSON config file's text. */
export function parseConfig (text: string, file: string, opts: ConfigOptions = {}): AppSpecInput[] {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  return appsOf(doc, file, opts)
}

/** `*.json`, `*.yaml`/`*.yml` and `*.config.js|cjs|mjs` (PM2's rule) are config files. */
export const CONFIG_FILE = /(\.json|\.ya?ml|\.config\.(c|m)?js)$/i

const message = (err: unknown): string => err instanceof Error ? err.message : String(err)

/** A JavaScript config: its default export (ESM) or module.exports (CJS), evaluated as PM2 does. */
async function importConfig (file: string): Promise<unknown> {
  try {
    const mod = await import(pathToFileURL(file).href) as { default?: unknown }
    return mod.default ?? mod
  } catch (err) {
    throw new CliError(`Cannot load ${file}: ${message(err)}`)
  }
}

async function yamlConfig (text: string, file: string): Promise<unknown> {
  const { load } = await import('js-yaml')
  try {
    return load(text)
  } catch (err) {
    throw new CliError(`${file} is not valid YAML: ${message(err)}`)
  }
}

/** Reads and parses a config file (path resolved against `cwd`); JS and YAML files are read as PM2 ecosystem files. */
export async function readConfigFile (path: string, cwd: string = process.cwd(), opts: ConfigOptions = {}): Promise<AppSpecInput[]> {
  const file = resolve(cwd, path)
  if (!existsSync(file)) throw new CliError(`Config file ${file} does not exist`)
  const ext = extname(file).toLowerCase()
  if (ext === '.js' || ext === '.cjs' || ext === '.mjs') return appsOf(await importConfig(file), file, { ...opts, pm2: true })
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new CliError(`Cannot read ${file}: ${message(err)}`)
  }
  if (ext === '.yaml' || ext === '.yml') return appsOf(await yamlConfig(text, file), file, { ...opts, pm2: true })
  return parseConfig(text, file, opts)
}
