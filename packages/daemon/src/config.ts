// The daemon's configuration from its environment, validated once: where it lives and which ports it hands out.
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { parsePortRange, type PortRange } from './core/port-allocator.ts'
import { parseCommand } from './adapters/nginx-upstream.ts'

export interface DaemonConfig {
  readonly home: string
  readonly socketPath: string
  readonly pidPath: string
  readonly dbPath: string
  readonly logsDir: string
  readonly daemonLogPath: string
  readonly portPool: PortRange
  readonly logLevel: string
  /** Prefix of every worker marker: ties processes to this SUP_HOME, so two daemons never touch each other's. */
  readonly markerPrefix: string
  /** Name of the abstract unix socket used as the one-daemon-per-home lock (released by the kernel when we die). */
  readonly lockName: string
  /** Lock of sup-logd, the log collector (docs/logs.md): one per SUP_HOME. */
  readonly logdLockName: string
  readonly logdPidPath: string
  /** FIFOs of the workers' stdout/stderr and their rotation settings. */
  readonly pipesDir: string
  /** Where the live upstream files are (nginx: `include <nginxDir>/*.conf;`). */
  readonly nginxDir: string
  /** SUP_NGINX_RELOAD, e.g. "nginx -s reload"; null (unset or "off"): files are written, nginx is not told. */
  readonly nginxReload: string[] | null
  /** SUP_NGINX_TEST, run before each reload; default `nginx -t` when a reload is configured; "off" disables. */
  readonly nginxTest: string[] | null
}

/** Unix socket paths are limited to 107 bytes on Linux. */
const MAX_SOCKET_PATH = 107

export function loadDaemonConfig (env: Readonly<Record<string, string | undefined>>): DaemonConfig {
  const home = resolve(env.SUP_HOME ?? `${homedir()}/.sup`)
  const socketPath = `${home}/sup.sock`
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) throw new Error(`SUP_HOME is too long for a unix socket path (${socketPath}); use a shorter directory`)
  const nginxReload = commandOrNull(env.SUP_NGINX_RELOAD)
  const id = createHash('sha256').update(home).digest('hex').slice(0, 16)
  return {
    home,
    socketPath,
    pidPath: `${home}/sup.pid`,
    dbPath: `${home}/sup.db`,
    logsDir: `${home}/logs`,
    daemonLogPath: `${home}/daemon.log`,
    portPool: parsePortRange(env.SUP_PORT_POOL ?? '8000-8999'),
    logLevel: env.SUP_LOG_LEVEL ?? 'info',
    markerPrefix: `sup-${id}`,
    lockName: `\0sup-lock-${id}`,
    logdLockName: `\0sup-logd-${id}`,
    logdPidPath: `${home}/logd.pid`,
    pipesDir: `${home}/logs/.pipes`,
    nginxDir: `${home}/nginx`,
    nginxReload,
    nginxTest: env.SUP_NGINX_TEST === undefined || env.SUP_NGINX_TEST.trim() === '' ? defaultNginxTest(nginxReload) : commandOrNull(env.SUP_NGINX_TEST)
  }
}

/** An nginx command from the environment: unset, empty or "off" is none. */
function commandOrNull (text: string | undefined): string[] | null {
  if (text === undefined || text.trim() === 'off') return null
  const cmd = parseCommand(text)
  return cmd.length === 0 ? null : cmd
}

/** `nginx -t` against the config the reload command names: `<nginx> [-p …] [-c …] -s reload` becomes `… -t`. */
function defaultNginxTest (reload: readonly string[] | null): string[] | null {
  if (reload === null) return null
  const n = reload.length
  const isSignal = n >= 3 && /(^|\/)nginx$/.test(reload[0] ?? '') && reload[n - 2] === '-s' && reload[n - 1] === 'reload'
  return isSignal ? [...reload.slice(0, n - 2), '-t'] : ['nginx', '-t']
}
