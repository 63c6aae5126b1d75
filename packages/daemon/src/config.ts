// The daemon's configuration from its environment (settings already laid over config.json, see settings/boot.ts), validated once: where it lives and which ports it hands out.
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { MAX_SOCKET_PATH_BYTES } from '@sup/protocol/socket'
import { DEFAULT_LOG_LEVEL } from './core/defaults.ts'
import type { PortRange } from './core/port-allocator.ts'
import { liveSettingsFrom } from './settings/boot.ts'

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
  /** The one-daemon-per-home lock: a file inside the 0700 home, locked by the kernel (released when we die). */
  readonly lockPath: string
  /** Lock of sup-logd, the log collector (docs/logs.md): one per SUP_HOME. */
  readonly logdLockPath: string
  /** The daemon's settings (docs/config.md). */
  readonly configPath: string
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


/** A SUP_HOME this daemon cannot use: main prints its message (no stack trace) and exits 1. */
export class HomeError extends Error {
  override readonly name = 'HomeError'
}

export function loadDaemonConfig (env: Readonly<Record<string, string | undefined>>): DaemonConfig {
  const home = resolve(env.SUP_HOME ?? `${homedir()}/.sup`)
  const socketPath = `${home}/sup.sock`
  const bytes = Buffer.byteLength(socketPath)
  if (bytes > MAX_SOCKET_PATH_BYTES) throw new HomeError(`SUP_HOME is too long: its socket ${socketPath} would be ${bytes} bytes, and a unix socket path takes at most ${MAX_SOCKET_PATH_BYTES}; set SUP_HOME to a shorter directory`)
  const live = liveSettingsFrom(env)
  const id = createHash('sha256').update(home).digest('hex').slice(0, 16)
  return {
    home,
    socketPath,
    pidPath: `${home}/sup.pid`,
    dbPath: `${home}/sup.db`,
    logsDir: `${home}/logs`,
    daemonLogPath: `${home}/daemon.log`,
    portPool: live.portPool,
    logLevel: env.SUP_LOG_LEVEL ?? DEFAULT_LOG_LEVEL,
    markerPrefix: `sup-${id}`,
    lockPath: `${home}/sup.lock`,
    logdLockPath: `${home}/logd.lock`,
    configPath: `${home}/config.json`,
    logdPidPath: `${home}/logd.pid`,
    pipesDir: `${home}/logs/.pipes`,
    nginxDir: `${home}/nginx`,
    nginxReload: live.nginxReload,
    nginxTest: live.nginxTest
  }
}
