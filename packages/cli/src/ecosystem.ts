// PM2's ecosystem app format -> sup's AppSpecInput: each PM2 key mapped, unsupported ones collected, unknown ones refused.
import type { AppSpecInput } from '@sup/protocol'
import { availableParallelism } from 'node:os'
import { CliError } from './errors.ts'

/** PM2 keys sup runs with (snake_case, as PM2 spells them). */
export const PM2_KEYS: readonly string[] = [
  'exec_mode', 'interpreter', 'exec_interpreter', 'interpreter_args', 'node_args', 'max_memory_restart', 'cron_restart',
  'ignore_watch', 'max_restarts', 'min_uptime', 'restart_delay', 'exp_backoff_restart_delay', 'kill_timeout',
  'listen_timeout', 'wait_ready', 'autorestart', 'increment_var'
]

/** PM2 keys that have no meaning in sup: named in one warning, then ignored. */
export const PM2_UNSUPPORTED: readonly string[] = [
  'error_file', 'out_file', 'log_file', 'log_date_format', 'log_type', 'merge_logs', 'combine_logs', 'pid_file', 'time',
  'source_map_support', 'instance_var', 'filter_env', 'vizion', 'post_update', 'force', 'append_env_to_name', 'treekill',
  'shutdown_with_message', 'stop_exit_codes', 'namespace', 'disable_logs', 'watch_delay', 'watch_options', 'uid', 'gid',
  'user', 'windowsHide', 'automation', 'pmx', 'trace', 'disable_trace', 'deep_monitoring', 'node_version', 'version',
  'min_uptime_restart', 'port'
]

/** Keys PM2 and sup spell alike. */
const SHARED = ['name', 'script', 'args', 'cwd', 'instances', 'env', 'watch']

export interface MappedApp {
  /** sup's input; `script` and `interpreter` are still as written (the loader resolves them). */
  readonly spec: Record<string, unknown>
  /** PM2 keys present that sup ignores. */
  readonly unsupported: string[]
  /** Things the user should know (cluster mode, ports). */
  readonly notes: string[]
}

/** True when the app uses a key only PM2 has (then the PM2 meaning of a missing port applies). */
export function usesPm2Keys (app: Record<string, unknown>): boolean {
  return Object.keys(app).some((k) => PM2_KEYS.includes(k) || PM2_UNSUPPORTED.includes(k) || /^env_./.test(k))
}

/** A PM2 argument list: an array as is, a string split on spaces keeping quoted parts together (PM2's rule). */
export const words = (v: unknown): string[] | undefined => {
  if (v === undefined) return undefined
  if (Array.isArray(v)) return v.map(String)
  return (String(v).match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'))
}

function instancesOf (v: unknown): number | string | undefined {
  if (v === 'max' || v === 0 || v === '0' || v === -1 || v === '-1') return availableParallelism()
  if (typeof v === 'number' && v < 0) return Math.max(1, availableParallelism() + v)
  return v as number | string | undefined
}

function stringEnv (where: string, v: unknown): Record<string, string> {
  if (v === undefined) return {}
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CliError(`${where} must be an object of variables`)
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (!['string', 'number', 'boolean'].includes(typeof x)) throw new CliError(`${where}.${k} must be a string, number or boolean`)
    out[k] = String(x)
  }
  return out
}

const countOf = (instances: unknown): number => {
  const n = typeof instances === 'number' ? instances : Number(instances ?? 1)
  return Number.isInteger(n) && n > 0 ? n : 1
}

/**
 * env.PORT (+ increment_var: 'PORT') -> a port range starting there; no port named -> --no-port (unless sup keys say),
 * except for several workers in cluster mode: PM2 shares one port among them, sup gives each its own from the pool.
 */
function mapPort (out: Record<string, unknown>, env: Record<string, string>, app: Record<string, unknown>, cluster: boolean, notes: string[]): void {
  const port = env.PORT
  delete env.PORT
  const count = countOf(out.instances)
  if (port === undefined) {
    if (out.portRange === undefined && out.port === undefined && !(cluster && count > 1)) out.port = false
    return
  }
  const from = Number(port)
  if (!Number.isInteger(from) || from < 1 || from > 65535) throw new CliError(`env.PORT '${port}' is not a port number`)
  out.portRange ??= `${from}-${from + count - 1}`
  if (count > 1 && app.increment_var !== 'PORT') notes.push(`${count} instances get one port each (${String(out.portRange)}), not one shared port: that is how sup reloads with zero downtime`)
}

/** True for exec_mode cluster (PM2's workers sharing a port), false for fork or none. */
function isCluster (app: Record<string, unknown>): boolean {
  const mode = app.exec_mode
  if (mode === undefined || mode === 'fork' || mode === 'fork_mode') return false
  if (mode !== 'cluster' && mode !== 'cluster_mode') throw new CliError(`exec_mode '${String(mode)}' must be fork or cluster`)
  return true
}

/** What cluster mode became, said once the ports are mapped. */
function clusterNote (out: Record<string, unknown>): string {
  const count = countOf(out.instances)
  if (out.port === false) return `exec_mode 'cluster': ${count === 1 ? 'one worker' : `${count} separate workers`}, without a port (none is named), as in fork mode`
  if (out.portRange === undefined && out.port === undefined) {
    return `exec_mode 'cluster': ${count} separate workers, each on its own port from the daemon's pool (PORT), behind nginx (\`sup nginx\`): no shared port, so an app that listens on a fixed port instead of PORT runs one instance`
  }
  return "exec_mode 'cluster' runs as separate workers, one port each, behind nginx (no shared port): PORT tells each worker its own"
}

/** The simple renames: PM2 key -> sup key. */
const RENAMES: Readonly<Record<string, string>> = {
  max_memory_restart: 'maxMemory',
  cron_restart: 'cronRestart',
  max_restarts: 'maxRestarts',
  min_uptime: 'minUptime',
  restart_delay: 'restartDelay',
  exp_backoff_restart_delay: 'restartDelay',
  kill_timeout: 'killTimeout',
  listen_timeout: 'listenTimeout',
  wait_ready: 'waitReady'
}

/**
 * Maps one PM2 app (sup's own camelCase keys may be mixed in: `known` says which). `envName` picks `env_<name>`.
 * Unknown keys are an error naming the key.
 */
export function mapPm2App (app: Record<string, unknown>, where: string, known: readonly string[], envName: string | undefined): MappedApp {
  const out: Record<string, unknown> = {}
  const unsupported: string[] = []
  const notes: string[] = []
  for (const [key, value] of Object.entries(app)) {
    if (key === 'interpreter') continue // sup spells it alike, but PM2's 'none' and 'node' mean sup's default (below)
    if (SHARED.includes(key) || known.includes(key)) out[key] = value
    else if (RENAMES[key] !== undefined) out[RENAMES[key]] = value
    else if (PM2_UNSUPPORTED.includes(key)) unsupported.push(key)
    else if (!PM2_KEYS.includes(key) && !/^env_./.test(key)) throw new CliError(`${where} has an unknown key '${key}'`, { hint: 'see docs/pm2.md for the PM2 keys sup reads, and `sup start --help` for its own' })
  }
  if (app.args !== undefined) out.args = words(app.args)
  if (app.instances !== undefined) out.instances = instancesOf(app.instances)
  const interpreter = app.interpreter ?? app.exec_interpreter
  // 'none': the script as is; 'node': what sup runs a .js/.mjs/.cjs script with, and node (from PATH) for any other
  const nodeScript = typeof app.script === 'string' && /\.[cm]?js$/i.test(app.script)
  if (interpreter !== undefined && interpreter !== 'none' && !(interpreter === 'node' && nodeScript)) out.interpreter = String(interpreter)
  const iargs = [...(words(app.node_args) ?? []), ...(words(app.interpreter_args) ?? [])]
  if (iargs.length > 0) out.interpreterArgs = iargs
  if (app.autorestart === false) out.restart = 'never'
  // PM2 stops a process with SIGINT, and its docs' graceful stop handles SIGINT (node ends at once on a signal it does
  // not handle): an app from PM2's format keeps the signal it was written for; sup's own key says otherwise
  out.killSignal ??= 'SIGINT'
  if (app.ignore_watch !== undefined) out.watchIgnore = words(app.ignore_watch)
  if (typeof app.watch === 'string') out.watch = [app.watch]
  if (app.increment_var !== undefined && app.increment_var !== 'PORT') unsupported.push(`increment_var '${String(app.increment_var)}' (only PORT)`)
  const cluster = isCluster(app)
  const env = { ...stringEnv(`${where}.env`, app.env), ...(envName === undefined ? {} : stringEnv(`${where}.env_${envName}`, app[`env_${envName}`])) }
  mapPort(out, env, app, cluster, notes)
  if (cluster) notes.unshift(clusterNote(out))
  out.env = env
  if (Object.keys(env).length === 0) delete out.env
  return { spec: out as unknown as AppSpecInput & Record<string, unknown>, unsupported, notes }
}
