// Makes sure a daemon answers before a command talks to it: starts one, detached, when none does.
import { isSupClientError, SUP_ERR_DAEMON_UNREACHABLE, type HealthView, type SupClient } from '@sup/client'
import type { ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, promises as fsPromises, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { followAttempt, locateDaemonEntry, spawnDaemon, type Attempt } from './daemon-spawn.ts'
import { takeEarlyDaemon, takeHandoff } from './early-daemon.ts'
import { CliError, SUP_ERR_DAEMON_START } from './errors.ts'
import { canHaveWritten, isAlive, processStartMs, readDaemonPid } from './pid-file.ts'

export { daemonArgv, daemonEnvironment, DAEMON_NODE_FLAGS, spawnDaemon } from './daemon-spawn.ts'

/** How long a fresh daemon may take to answer, and how often to ask. */
export const DAEMON_START_TIMEOUT_MS = 10_000
export const DAEMON_POLL_MS = 20
/** Spawn again when the previous attempt exited and nobody answers (e.g. it lost the lock to a daemon now exiting). */
const MAX_SPAWNS = 3

/**
 * The daemon's entry file (daemon-spawn.ts): `$SUP_DAEMON_ENTRY`, the daemon bundle the built CLI carries, or
 * `@sup/daemon/main` from the sources. Throws SUP_ERR_DAEMON_START when none is found.
 */
export function resolveDaemonEntry (env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), moduleUrl: string = import.meta.url): string {
  const found = locateDaemonEntry(env, cwd, moduleUrl)
  if ('entry' in found) return found.entry
  throw new CliError('Cannot find the sup daemon (@sup/daemon/main)', {
    code: SUP_ERR_DAEMON_START,
    hint: 'build it with `pnpm build`, or point SUP_DAEMON_ENTRY at its main file',
    cause: found.error
  })
}

export interface EnsureDaemonOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly timeoutMs?: number
  readonly pollMs?: number
  /** Replaceable for tests. */
  readonly spawnDaemon?: (entry: string, env: NodeJS.ProcessEnv) => ChildProcess
  /** The pid of a live daemon holding `<home>/sup.pid`, if any (replaceable for tests). */
  readonly lockHolder?: (home: string) => Promise<number | undefined>
}

/**
 * The live process named by `<home>/sup.pid`: a daemon that is starting (or stuck, or not listening yet: a handed
 * start answers `sup start` before its API opens) and holds the lock. Not a process started after the file was written.
 */
export async function liveLockHolder (home: string): Promise<number | undefined> {
  const pid = await readDaemonPid(home)
  if (pid === undefined || !isAlive(pid)) return undefined
  const writtenMs = await fsPromises.stat(join(home, 'sup.pid')).then((s) => s.mtimeMs, () => undefined)
  return canHaveWritten(processStartMs(pid), writtenMs) ? pid : undefined
}

function isRetryable (err: unknown, spawned: boolean): boolean {
  if (!isSupClientError(err)) return false
  if (err.code === SUP_ERR_DAEMON_UNREACHABLE || err.code === 'SUP_ERR_SHUTTING_DOWN') return true
  return spawned && (err.statusCode === 0 || err.statusCode === 503)
}

/**
 * Why a daemon could not use `home`, when that is plain from here: it cannot be created (its nearest existing
 * ancestor is no directory, or not writable by this user) or it is not writable. null when it looks usable.
 */
export function homeProblem (home: string, canWrite: (dir: string) => boolean = isWritable): string | null {
  let dir = home
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir)
  const isDir = ((): boolean => { try { return statSync(dir).isDirectory() } catch { return false } })()
  if (dir !== home && !isDir) return `${home} cannot be created: ${dir} is not a directory`
  if (dir !== home && !canWrite(dir)) return `${home} cannot be created: ${dir} is not writable by this user`
  if (dir === home && (!isDir || !canWrite(dir))) return `${home} is not a directory this user can write`
  return null
}

function isWritable (dir: string): boolean {
  try { accessSync(dir, constants.W_OK | constants.X_OK); return true } catch { return false }
}

function startFailed (home: string, seconds: number, child: Attempt | undefined, holder: number | undefined, lastError: unknown): CliError {
  const why = holder !== undefined
    ? `a sup daemon (pid ${holder}) holds ${join(home, 'sup.pid')} but did not answer within ${seconds} s`
    : child?.exited === true
      ? `the sup daemon exited with ${child.how} before answering`
      : `started the sup daemon, but it did not answer within ${seconds} s`
  const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : ''
  const log = join(home, 'daemon.log')
  const problem = existsSync(log) ? null : homeProblem(home)
  return new CliError(`${why[0]?.toUpperCase() ?? ''}${why.slice(1)}${last}`, {
    code: SUP_ERR_DAEMON_START,
    // a daemon that node could not even start (a bad SUP_NODE_OPTIONS, a broken install), or that could not make its
    // home (HOME unset or not writable, as for some service users), writes no log
    hint: problem !== null
      ? `${problem}; set SUP_HOME to a directory this user can write`
      : existsSync(log) ? `see ${log}, or run \`sup daemon\` to watch it start in the foreground` : `it wrote no ${log}: run \`sup daemon\` to see it start, or fail, in the foreground`
  })
}

/**
 * The daemon's health, after starting it when none answers. Polls every 20 ms for up to 10 s. When the daemon it
 * started exits, waits for the live daemon holding the pid file if there is one, else spawns again (up to 3 times).
 */
export async function ensureDaemon (client: SupClient, options: EnsureDaemonOptions = {}): Promise<HealthView> {
  const env = options.env ?? process.env
  const timeoutMs = options.timeoutMs ?? DAEMON_START_TIMEOUT_MS
  const deadline = Date.now() + timeoutMs
  const lockHolder = options.lockHolder ?? liveLockHolder
  let entry: string | undefined
  // a daemon bin/sup.js already spawned for this home (early-daemon.ts) is polled as the first spawn
  let child: Attempt | undefined = takeEarlyDaemon(client.home)
  // a start handoff not used by now never will be (start-handoff.ts): closed, that daemon opens its API at once
  takeHandoff(client.home)?.destroy()
  let spawns = child === undefined ? 0 : 1
  let holder: number | undefined
  let lastError: unknown
  for (;;) {
    try {
      return await client.health(spawns === 0 ? {} : { timeoutMs: 1000 })
    } catch (err) {
      if (!isRetryable(err, spawns > 0)) throw err
      lastError = err
    }
    if (Date.now() >= deadline) {
      if (spawns === 0 && holder === undefined) throw lastError
      break
    }
    if (isSupClientError(lastError, SUP_ERR_DAEMON_UNREACHABLE) && (child === undefined || child.exited)) {
      // None spawned yet, or ours exited: a live daemon holding the lock is still starting (a handed start opens its
      // API after answering `sup start`), and it is waited for. A daemon spawned beside it would wait for the lock and
      // take the home with this command's environment the moment that one exits (`sup daemon --restart`, `sup kill`).
      // Otherwise ours lost a race, or crashed.
      holder = await lockHolder(client.home)
      if (holder === undefined && spawns >= MAX_SPAWNS) break
      if (holder === undefined) {
        entry ??= resolveDaemonEntry(env)
        child = followAttempt((options.spawnDaemon ?? spawnDaemon)(entry, env))
        spawns++
      }
    }
    await sleep(options.pollMs ?? DAEMON_POLL_MS)
  }
  throw startFailed(client.home, Math.round(timeoutMs / 1000), child, holder, lastError)
}
