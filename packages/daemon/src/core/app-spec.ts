// AppSpec: an app's definition validated once, defaults applied, every duration in ms.
import { SUP_ERR_INVALID_SPEC } from '../errors.ts'
import { DEFAULT_DRAIN_MS, DEFAULT_HEALTH, DEFAULT_LOGS, DEFAULT_TIMING } from './defaults.ts'
import { parsePortRange, type PortRange } from './port-allocator.ts'
import type { RestartMode, RestartPolicy } from './restart-policy.ts'
import { parseBytes, parseCount, parseDurationMs } from './units.ts'
import { normalizeResourceRules, type ResourceRules, type ResourceRulesInput } from './resource-rules.ts'

export interface AppSpec extends RestartPolicy, ResourceRules {
  readonly name: string
  /** Absolute path of the script or executable. */
  readonly script: string
  /** `$PORT` and `$SUP_INSTANCE` in them are replaced per worker (never through a shell). */
  readonly args: readonly string[]
  /** Absolute path of the program that runs the script (python3, bash...), or null: node for .js, else the script itself. */
  readonly interpreter: string | null
  /** Arguments before the script (PM2's interpreter_args / node_args). */
  readonly interpreterArgs: readonly string[]
  readonly cwd: string
  readonly instances: number
  readonly portRange: PortRange
  /** False for `--no-port` workers (queue consumers, bots): no PORT, no port claimed, never in an upstream. */
  readonly hasPort: boolean
  /** A no-port worker is ready once it stayed up this long (unless waitReady). */
  readonly readyAfterMs: number
  /** `--env` and `--env-file`: over shellEnv. Keys are shown, values never. */
  readonly env: Readonly<Record<string, string>>
  /** The environment of the shell that ran `sup start`: stored, refreshed only by --update-env, never shown. */
  readonly shellEnv: Readonly<Record<string, string>>
  readonly waitReady: boolean
  /** Size at which a worker's log file is rotated, in bytes. */
  readonly logMaxSize: number
  /** Files kept per worker (current + rotated): the cap on disk is logMaxSize x logFiles. */
  readonly logFiles: number
  /** HTTP health check of each online worker, or null for none. */
  readonly health: HealthCheck | null
  /** How long a worker withdrawn from the upstream keeps serving its last requests before it is stopped. */
  readonly drainMs: number
  /** Absolute paths whose changes trigger a rolling reload, or null (no watching). */
  readonly watch: readonly string[] | null
  /** Extra ignore patterns for the watcher (node_modules, .git and logs are always ignored). */
  readonly watchIgnore: readonly string[]
}

export interface HealthCheck {
  readonly path: string
  readonly intervalMs: number
  readonly timeoutMs: number
  /** Consecutive failures that restart the worker (the first one already takes it out of the upstream). */
  readonly failures: number
}

/** The raw shape accepted at the boundary (HTTP body, config file): numbers may be strings with units. */
export interface AppSpecInput extends ResourceRulesInput {
  name?: string | undefined
  script: string
  args?: string[] | undefined
  interpreter?: string | undefined
  interpreterArgs?: string[] | undefined
  cwd?: string | undefined
  instances?: number | string | undefined
  portRange?: string | undefined
  port?: boolean | undefined
  readyAfter?: number | string | undefined
  env?: Record<string, string> | undefined
  shellEnv?: Record<string, string> | undefined
  restart?: string | undefined
  restartDelay?: number | string | undefined
  maxRestartDelay?: number | string | undefined
  minUptime?: number | string | undefined
  maxRestarts?: number | string | undefined
  restartWindow?: number | string | undefined
  retryIn?: number | string | undefined
  listenTimeout?: number | string | undefined
  killTimeout?: number | string | undefined
  killSignal?: string | undefined
  waitReady?: boolean | undefined
  logMaxSize?: number | string | undefined
  logFiles?: number | string | undefined
  health?: string | undefined
  healthInterval?: number | string | undefined
  healthTimeout?: number | string | undefined
  healthFailures?: number | string | undefined
  drain?: number | string | undefined
  watch?: boolean | string[] | undefined
  watchIgnore?: string[] | undefined
}

export const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/
/** Names that mean something else on the command line. */
export const RESERVED_NAMES: readonly string[] = ['all']
export const MAX_INSTANCES = 1000
export const KILL_SIGNALS: readonly string[] = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL']
const RESTART_MODES: readonly RestartMode[] = ['always', 'on-failure', 'never']
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/

/** What an app gets when its definition does not say: the daemon's port pool and log settings (`sup config`). */
export interface SpecDefaults { readonly portPool: PortRange; readonly logMaxSize?: number; readonly logFiles?: number }

export { DEFAULT_DRAIN_MS, DEFAULT_HEALTH, DEFAULT_LOGS, DEFAULT_TIMING } from './defaults.ts'

/** What an app gets when its definition does not say: read at each use, so `sup config set` applies to the next app. */
export function specDefaultsOf (deps: { readonly portPool: PortRange; readonly logDefaults?: { readonly maxSize: number; readonly files: number } | undefined }): SpecDefaults {
  const logs = deps.logDefaults
  return logs === undefined ? { portPool: deps.portPool } : { portPool: deps.portPool, logMaxSize: logs.maxSize, logFiles: logs.files }
}
/** How long a `--no-port` worker must stay up to count as online. */
export const DEFAULT_READY_AFTER_MS = 1_000

/** Variables sup sets for every worker: `--env` cannot set them. */
const SET_BY_SUP = ['SUP_APP', 'SUP_INSTANCE', 'NODE_APP_INSTANCE']

/** Validates an app name; `field` says which input it came from. */
export function validateName (name: string, field = 'name'): string {
  if (!NAME_RE.test(name)) {
    const slug = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64).replace(/[-.]+$/, '')
    const e = NAME_RE.test(slug) && !RESERVED_NAMES.includes(slug) ? `, e.g. '${slug}'` : ''
    throw new SUP_ERR_INVALID_SPEC(field, `'${name.slice(0, 80)}' must match ${NAME_RE.source} (lowercase letters, digits, . _ -; at most 64${e})`)
  }
  if (RESERVED_NAMES.includes(name)) throw new SUP_ERR_INVALID_SPEC(field, `'${name}' is reserved`)
  return name
}

/** The default name of an app: its script's file name without extension (`loop.sh` -> loop), made safe. */
export function nameFromScript (script: string): string {
  const base = script.split('/').pop() ?? 'app'
  const stem = base.replace(/(.)\.[A-Za-z0-9]{1,8}$/, '$1').toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '')
  return (stem === '' || RESERVED_NAMES.includes(stem) ? 'app' : stem).slice(0, 64)
}

function duration (field: string, value: number | string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  const ms = parseDurationMs(value)
  if (ms === undefined || ms < min) throw new SUP_ERR_INVALID_SPEC(field, `'${String(value)}' is not a duration of at least ${min} ms (e.g. 500ms, 10s, 5m)`)
  return ms
}

function count (field: string, value: number | string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const n = parseCount(value)
  if (n === undefined || n < min || n > max) throw new SUP_ERR_INVALID_SPEC(field, `'${String(value)}' must be a whole number from ${min} to ${max}`)
  return n
}

function bytes (field: string, value: number | string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback
  const n = parseBytes(value)
  if (n === undefined || n < min) throw new SUP_ERR_INVALID_SPEC(field, `'${String(value)}' must be a size of at least ${min} bytes (e.g. 512K, 10M, 1G)`)
  return n
}

function health (input: AppSpecInput): HealthCheck | null {
  if (input.health === undefined || input.health === '') return null
  if (!/^\/[\x21-\x7e]*$/.test(input.health) || input.health.length > 1024) throw new SUP_ERR_INVALID_SPEC('health', `'${input.health.slice(0, 80)}' must be a URL path starting with / (e.g. /healthz)`)
  return {
    path: input.health,
    intervalMs: duration('healthInterval', input.healthInterval, DEFAULT_HEALTH.intervalMs, 100),
    timeoutMs: duration('healthTimeout', input.healthTimeout, DEFAULT_HEALTH.timeoutMs, 10),
    failures: count('healthFailures', input.healthFailures, DEFAULT_HEALTH.failures, 1, 1000)
  }
}

function watchPaths (input: AppSpecInput, cwd: string): string[] | null {
  if (input.watch === undefined || input.watch === false) return null
  const paths = input.watch === true ? [cwd] : input.watch
  if (paths.length === 0) return [cwd]
  return paths.map((p) => {
    if (p === '' || p.includes('\0')) throw new SUP_ERR_INVALID_SPEC('watch', `'${p.slice(0, 80)}' is not a path`)
    return p.startsWith('/') ? p : `${cwd === '/' ? '' : cwd}/${p}`
  })
}

/** Checks names and values (a NUL byte cannot reach a process); messages name the variable, never its value. */
export function validateEnv (field: string, input: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(input ?? {})) {
    if (!ENV_KEY_RE.test(k)) throw new SUP_ERR_INVALID_SPEC(field, `'${k.slice(0, 80)}' is not a valid variable name`)
    if (v.includes('\0')) throw new SUP_ERR_INVALID_SPEC(field, `the value of ${k} contains a NUL byte`)
    out[k] = v
  }
  return out
}

/** `--env` may not set what sup sets: PORT (for a port app: use --port-range) and the SUP_* instance variables. */
function userEnv (input: AppSpecInput, hasPort: boolean): Record<string, string> {
  const out = validateEnv('env', input.env)
  if (hasPort && 'PORT' in out) throw new SUP_ERR_INVALID_SPEC('env', 'PORT is set by sup for each worker: use --port-range (or --no-port for an app that does not listen)')
  const taken = SET_BY_SUP.find((k) => k in out)
  if (taken !== undefined) throw new SUP_ERR_INVALID_SPEC('env', `${taken} is set by sup for each worker`)
  return out
}

function interpreter (input: AppSpecInput): string | null {
  const i = input.interpreter
  if (i === undefined || i === '') return null
  if (!i.startsWith('/') || i.includes('\0')) throw new SUP_ERR_INVALID_SPEC('interpreter', `'${i.slice(0, 80)}' must be an absolute path (the CLI looks bare names up in PATH)`)
  return i
}

/**
 * Turns boundary input into an AppSpec or throws SUP_ERR_INVALID_SPEC naming the field.
 * `script` and `cwd` must already be absolute (the caller resolves them; existence is checked by the runtime).
 */
export function normalizeAppSpec (input: AppSpecInput, defaults: SpecDefaults): AppSpec {
  if (!input.script.startsWith('/')) throw new SUP_ERR_INVALID_SPEC('script', `'${input.script}' must be an absolute path`)
  // The script's directory; a script at the root of the filesystem runs in '/'.
  const cwd = input.cwd ?? (input.script.slice(0, input.script.lastIndexOf('/')) || '/')
  if (!cwd.startsWith('/')) throw new SUP_ERR_INVALID_SPEC('cwd', `'${cwd}' must be an absolute path`)
  const restart = input.restart ?? 'always'
  if (!(RESTART_MODES as readonly string[]).includes(restart)) throw new SUP_ERR_INVALID_SPEC('restart', `'${restart}' must be one of ${RESTART_MODES.join(', ')}`)
  const killSignal = (input.killSignal ?? 'SIGTERM').toUpperCase().replace(/^(?!SIG)/, 'SIG')
  if (!KILL_SIGNALS.includes(killSignal)) throw new SUP_ERR_INVALID_SPEC('killSignal', `'${input.killSignal ?? ''}' must be one of ${KILL_SIGNALS.join(', ')}`)
  const restartDelayMs = duration('restartDelay', input.restartDelay, DEFAULT_TIMING.restartDelayMs)
  const maxRestartDelayMs = duration('maxRestartDelay', input.maxRestartDelay, Math.max(DEFAULT_TIMING.maxRestartDelayMs, restartDelayMs))
  if (maxRestartDelayMs < restartDelayMs) throw new SUP_ERR_INVALID_SPEC('maxRestartDelay', `${maxRestartDelayMs} ms is below restartDelay ${restartDelayMs} ms`)
  const hasPort = input.port ?? true
  if (!hasPort && input.portRange !== undefined) throw new SUP_ERR_INVALID_SPEC('portRange', 'an app without a port (--no-port) takes no port range')
  if (!hasPort && input.health !== undefined && input.health !== '') throw new SUP_ERR_INVALID_SPEC('health', 'an HTTP health check needs a port (drop --no-port)')
  const spec: AppSpec = {
    name: validateName(input.name ?? nameFromScript(input.script)),
    script: input.script,
    args: input.args ?? [],
    interpreter: interpreter(input),
    interpreterArgs: input.interpreterArgs ?? [],
    cwd,
    instances: count('instances', input.instances, 1, 1, MAX_INSTANCES),
    portRange: input.portRange === undefined ? defaults.portPool : parsePortRange(input.portRange),
    hasPort,
    readyAfterMs: duration('readyAfter', input.readyAfter, DEFAULT_READY_AFTER_MS, 1),
    env: userEnv(input, hasPort),
    shellEnv: validateEnv('shellEnv', input.shellEnv),
    restart: restart as RestartMode,
    restartDelayMs,
    maxRestartDelayMs,
    minUptimeMs: duration('minUptime', input.minUptime, DEFAULT_TIMING.minUptimeMs),
    maxRestarts: count('maxRestarts', input.maxRestarts, DEFAULT_TIMING.maxRestarts, 0, 1_000_000),
    restartWindowMs: duration('restartWindow', input.restartWindow, DEFAULT_TIMING.restartWindowMs, 1),
    retryInMs: duration('retryIn', input.retryIn, DEFAULT_TIMING.retryInMs, 1),
    listenTimeoutMs: duration('listenTimeout', input.listenTimeout, DEFAULT_TIMING.listenTimeoutMs, 1),
    killTimeoutMs: duration('killTimeout', input.killTimeout, DEFAULT_TIMING.killTimeoutMs),
    killSignal,
    waitReady: input.waitReady ?? false,
    logMaxSize: bytes('logMaxSize', input.logMaxSize, defaults.logMaxSize ?? DEFAULT_LOGS.maxSize, DEFAULT_LOGS.minSize),
    logFiles: count('logFiles', input.logFiles, defaults.logFiles ?? DEFAULT_LOGS.files, 1, DEFAULT_LOGS.maxFiles),
    health: health(input),
    drainMs: duration('drain', input.drain, DEFAULT_DRAIN_MS),
    watch: watchPaths(input, cwd === '' ? '/' : cwd),
    watchIgnore: input.watchIgnore ?? [],
    ...normalizeResourceRules(input)
  }
  if (!hasPort && !spec.waitReady && spec.readyAfterMs >= spec.listenTimeoutMs) throw new SUP_ERR_INVALID_SPEC('readyAfter', `${spec.readyAfterMs} ms must be below listenTimeout (${spec.listenTimeoutMs} ms)`)
  return spec
}

/** A spec stored by an older sup lacks the fields added since (issue 12): give it their defaults. */
export function upgradeSpec (stored: AppSpec): AppSpec {
  const old: Partial<AppSpec> = stored
  return {
    ...stored,
    interpreter: old.interpreter ?? null,
    interpreterArgs: old.interpreterArgs ?? [],
    hasPort: old.hasPort ?? true,
    readyAfterMs: old.readyAfterMs ?? DEFAULT_READY_AFTER_MS,
    shellEnv: old.shellEnv ?? {}
  }
}
