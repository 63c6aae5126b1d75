// Where everything of one SUP_HOME lives: paths only. sup-logd needs no more of the daemon's configuration than this,
// so it loads neither the settings nor node:crypto (the workers' marker) nor what those load (docs/performance.md).
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { MAX_SOCKET_PATH_BYTES } from '@sup/protocol/socket'
import { DEFAULT_LOG_LEVEL } from './core/defaults.ts'

export interface HomeLayout {
  readonly home: string
  readonly socketPath: string
  readonly pidPath: string
  readonly dbPath: string
  readonly logsDir: string
  readonly daemonLogPath: string
  /** SUP_LOG_LEVEL (the daemon hands its setting to sup-logd), else the default. */
  readonly logLevel: string
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
}

/** A SUP_HOME this daemon cannot use: main prints its message (no stack trace) and exits 1. */
export class HomeError extends Error {
  override readonly name = 'HomeError'
}

export function homeLayout (env: Readonly<Record<string, string | undefined>>): HomeLayout {
  const home = resolve(env.SUP_HOME ?? `${homedir()}/.sup`)
  const socketPath = `${home}/sup.sock`
  const bytes = Buffer.byteLength(socketPath)
  if (bytes > MAX_SOCKET_PATH_BYTES) throw new HomeError(`SUP_HOME is too long: its socket ${socketPath} would be ${bytes} bytes, and a unix socket path takes at most ${MAX_SOCKET_PATH_BYTES}; set SUP_HOME to a shorter directory`)
  return {
    home,
    socketPath,
    pidPath: `${home}/sup.pid`,
    dbPath: `${home}/sup.db`,
    logsDir: `${home}/logs`,
    daemonLogPath: `${home}/daemon.log`,
    logLevel: env.SUP_LOG_LEVEL ?? DEFAULT_LOG_LEVEL,
    lockPath: `${home}/sup.lock`,
    logdLockPath: `${home}/logd.lock`,
    configPath: `${home}/config.json`,
    logdPidPath: `${home}/logd.pid`,
    pipesDir: `${home}/logs/.pipes`,
    nginxDir: `${home}/nginx`
  }
}
