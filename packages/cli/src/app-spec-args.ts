// `sup start` arguments -> AppSpecInput. Numbers and durations pass as given: the daemon validates them once.
import type { AppSpecInput } from '@sup/protocol'
import { availableParallelism } from 'node:os'
import { isAbsolute, resolve } from 'node:path'
import { words } from './ecosystem.ts'
import { CliError } from './errors.ts'

/** The `sup start` options that define an app (camelCase, as commander names them and AppSpecInput spells them). */
export const SPEC_FLAGS = [
  'instances', 'name', 'portRange', 'port', 'readyAfter', 'interpreter', 'envFile', 'cwd', 'env', 'restart', 'restartDelay', 'maxRestartDelay', 'minUptime',
  'maxRestarts', 'restartWindow', 'retryIn', 'listenTimeout', 'killTimeout', 'killSignal', 'waitReady',
  'logMaxSize', 'logFiles', 'health', 'healthInterval', 'healthTimeout', 'healthFailures', 'drain',
  'watch', 'watchIgnore', 'maxMemory', 'maxCpu', 'over', 'sampleInterval', 'cronRestart', 'nodeArgs'
] as const
export type SpecFlag = typeof SPEC_FLAGS[number]

/** String-valued flags copied verbatim into the spec. */
const VERBATIM = [
  'instances', 'name', 'portRange', 'readyAfter', 'restart', 'restartDelay', 'maxRestartDelay', 'minUptime',
  'maxRestarts', 'restartWindow', 'retryIn', 'listenTimeout', 'killTimeout', 'killSignal',
  'logMaxSize', 'logFiles', 'health', 'healthInterval', 'healthTimeout', 'healthFailures', 'drain',
  'maxMemory', 'maxCpu', 'over', 'sampleInterval', 'cronRestart'
] as const

export type StartFlags = { [K in typeof VERBATIM[number]]?: string } & {
  cwd?: string
  env?: readonly string[]
  /** `--no-port` sets it false. */
  port?: boolean
  /** Absolute path (the caller looked a bare name up in PATH). */
  interpreter?: string
  /** `--node-args '--max-old-space-size=4096'`: before the script, split as PM2 splits them. */
  nodeArgs?: string
  /** Variables read from `--env-file` files: below --env. */
  fileEnv?: Readonly<Record<string, string>>
  waitReady?: boolean
  /** `--watch` alone (true) or `--watch a,b` (paths, resolved against the caller's cwd). */
  watch?: boolean | string
  watchIgnore?: readonly string[]
}

/** `K=V` pairs (the value may contain `=`) into a record; a later pair wins. The message never shows a value. */
export function parseEnvPairs (pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new CliError(`--env '${pair.slice(0, 40)}' must be KEY=VALUE`, { hint: 'e.g. --env NODE_ENV=production (repeat --env for more); --env <name> picks env_<name> of an ecosystem file' })
    env[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return env
}

const JAVASCRIPT = /\.(c|m)?js$/
const TYPESCRIPT = /\.(c|m)?ts$/

/**
 * The node a Node script runs on: the one running this `sup start`, i.e. the `node` of the operator's shell (nvm's
 * included), as `node app.js` there would run it. Not the daemon's, which may have started under another version
 * long before (PM2's well-known trap). undefined for any other script (its interpreter or shebang decides).
 */
export function shellNode (script: string, node: string = process.execPath, stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript)): string | undefined {
  return JAVASCRIPT.test(script) || (stripsTypes && TYPESCRIPT.test(script)) ? node : undefined
}

/**
 * The spec for `sup start <script> [flags] [-- args]`; script and --cwd resolve against `cwd`, the shell's directory,
 * where the app runs unless --cwd says otherwise: as `node dist/main.js` and `pm2 start dist/main.js` do, so files it
 * opens relative to process.cwd() (.env, config/) are the project's, not dist/'s.
 */
export function specFromArgs (script: string, args: readonly string[], flags: StartFlags, cwd: string): AppSpecInput {
  const spec: AppSpecInput = { script: resolve(cwd, script), cwd: resolve(cwd, flags.cwd ?? '.') }
  for (const key of VERBATIM) {
    const value = flags[key]
    if (value !== undefined) spec[key] = value
  }
  if (spec.instances === 'max') spec.instances = availableParallelism() // PM2's -i max, and an ecosystem file's
  const env = { ...flags.fileEnv, ...parseEnvPairs(flags.env ?? []) }
  if (Object.keys(env).length > 0) spec.env = env
  if (flags.port === false) spec.port = false
  const interpreter = flags.interpreter ?? shellNode(spec.script)
  if (interpreter !== undefined) spec.interpreter = interpreter
  const nodeArgs = words(flags.nodeArgs) ?? []
  if (nodeArgs.length > 0) spec.interpreterArgs = nodeArgs
  if (flags.waitReady === true) spec.waitReady = true
  if (flags.watch === true) spec.watch = true
  else if (typeof flags.watch === 'string') spec.watch = flags.watch.split(',').filter((p) => p !== '').map((p) => resolve(cwd, p))
  if (flags.watchIgnore !== undefined && flags.watchIgnore.length > 0) spec.watchIgnore = [...flags.watchIgnore]
  if (args.length > 0) spec.args = [...args]
  return spec
}

/** How `sup start <target>` reads its target. */
export type TargetKind = 'config' | 'script' | 'app'

const APP_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/
const SCRIPT_EXT = /\.(c|m)?(j|t)s$/

/** `*.json|yaml|yml|config.js` is a config file; an existing file is a script; a bare app-like name is an app; anything else a script. */
export function classifyTarget (target: string, isFile: boolean): TargetKind {
  if (/(\.json|\.ya?ml|\.config\.(c|m)?js)$/i.test(target)) return 'config'
  if (isFile) return 'script'
  if (APP_NAME.test(target) && !SCRIPT_EXT.test(target) && !isAbsolute(target)) return 'app'
  return 'script'
}

/** A spec key as its command-line flag: `portRange` -> `--port-range`. */
export function flagName (key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
}
