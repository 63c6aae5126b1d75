// Where the daemon's program is and how it is spawned: shared by the daemon launcher and bin/sup.js's early spawn
// (early-daemon.ts), so it imports nothing of the client (bundle/plain-list.cjs stays small).
import type { ChildProcess, SpawnOptions } from 'node:child_process'
import type { Socket } from 'node:net'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HANDOFF_FLAG } from '@sup/protocol/handoff'

/**
 * The daemon's entry file: `$SUP_DAEMON_ENTRY`; else the daemon bundle the built CLI carries (bundle/daemon/main.js,
 * what an installed sup runs); else `@sup/daemon/main` as Node resolves it from here (development, from the sources).
 */
export function locateDaemonEntry (env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd(), moduleUrl: string = import.meta.url): { entry: string } | { error: unknown } {
  const override = env.SUP_DAEMON_ENTRY
  if (override !== undefined && override !== '') return { entry: resolve(cwd, override) }
  const carried = fileURLToPath(new URL('./daemon/main.js', moduleUrl))
  if (/\.c?js$/.test(moduleUrl) && existsSync(carried)) return { entry: carried }
  try {
    return { entry: createRequire(import.meta.url).resolve('@sup/daemon/main') }
  } catch (error) {
    return { error }
  }
}

/**
 * V8 flags of the daemon (docs/performance.md): a 1 MiB young generation. V8 grows its semi-spaces to 8 MiB each
 * after the start-up burst and keeps them: ~14 MiB of the idle daemon's RSS (89 -> 75 MiB with 4 workers), for a
 * process that allocates little once started; no start or list time measured lost. `--lite-mode` (-25 MiB) and
 * `--single-threaded` (-4 MiB) were measured and not taken: they slow `sup start` by 15-50 %.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1']

/**
 * The daemon's environment: the CLI's, less NODE_EXTRA_CA_CERTS. Node reads and parses that file at every start,
 * before any code runs (Debian's bundle of ~140 certificates: ~38 ms of CPU and ~1.8 MiB of RSS on the bench box),
 * and the daemon makes no TLS connection. Workers still get it: their environment is the one `sup start` sends
 * (the shell's), not the daemon's; npm installs of a deploy never got it (installer.ts).
 * Less the shell's NODE_OPTIONS too: those are the app's (the workers get them the same way). A `--require ./x.js`
 * or `-r dotenv/config` does not resolve from the daemon's `/` (no daemon started), and `--inspect` would open the
 * daemon to a debugger. SUP_NODE_OPTIONS, when set, are the Node options of sup's own processes (daemon, sup-logd).
 * A relative SUP_HOME is made absolute against `cwd` (the CLI's): the daemon runs in `/`, where `./h` is `/h`.
 * Less a worker's identity (SUP_MARKER, SUP_APP, SUP_INSTANCE) when an app runs `sup`: a daemon it starts is no part of
 * that worker's process tree, which is stopped with the worker.
 */
export function daemonEnvironment (env: NodeJS.ProcessEnv, cwd: string = process.cwd()): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _ca, NODE_OPTIONS: _app, SUP_MARKER: _marker, SUP_APP: _name, SUP_INSTANCE: _instance, ...rest } = env
  if (rest.SUP_HOME !== undefined && rest.SUP_HOME !== '') rest.SUP_HOME = resolve(cwd, rest.SUP_HOME)
  if (rest.SUP_NODE_OPTIONS !== undefined && rest.SUP_NODE_OPTIONS.trim() !== '') rest.NODE_OPTIONS = rest.SUP_NODE_OPTIONS
  return rest
}

/** Node flags for the daemon: a `.ts` entry (development) also needs this process's loader flags (tsx). */
export function daemonArgv (entry: string): string[] {
  return /\.(c|m)?ts$/.test(entry) ? [...DAEMON_NODE_FLAGS, ...process.execArgv, entry] : [...DAEMON_NODE_FLAGS, entry]
}

/**
 * node:child_process is required here, at the first spawn: `sup list` (bundle/list.cjs) needs it only when no daemon
 * answers, and loading it cost every list ~8 ms.
 */
function spawnNode (args: string[], options: SpawnOptions): ChildProcess {
  const { spawn } = createRequire(import.meta.url)('node:child_process') as { spawn: (command: string, args: string[], options: SpawnOptions) => ChildProcess }
  return spawn(process.execPath, args, options)
}

/**
 * Spawns the daemon in its own process group, detached from this CLI's terminal and lifetime. With `handoff`, its
 * fd 3 is a socket pair with this CLI (`child.stdio[3]`, unreferenced: it keeps no CLI alive) for the start handoff
 * (@sup/protocol/handoff, start-handoff.ts).
 */
export function spawnDaemon (entry: string, env: NodeJS.ProcessEnv, handoff = false): ChildProcess {
  const child = handoff
    ? spawnNode([...daemonArgv(entry), HANDOFF_FLAG], { detached: true, stdio: ['ignore', 'ignore', 'ignore', 'pipe'], env: daemonEnvironment(env), cwd: '/' })
    : spawnNode(daemonArgv(entry), { detached: true, stdio: 'ignore', env: daemonEnvironment(env), cwd: '/' })
  child.on('error', () => { /* reported by the health poll timing out */ })
  child.unref()
  const pipe = child.stdio[3] as Socket | null | undefined
  pipe?.unref()
  pipe?.on('error', () => { /* the daemon went away: the handoff falls back to the API */ })
  return child
}

/** A spawned daemon as the launcher follows it: whether it exited, and how (`code 1`, `SIGKILL`). */
export interface Attempt { exited: boolean; how: string }

/** Follows a spawned daemon's exit from now on (attach at spawn: an exit before a listener is missed). */
export function followAttempt (proc: ChildProcess): Attempt {
  const attempt: Attempt = { exited: false, how: '' }
  proc.once('exit', (code, signal) => { attempt.exited = true; attempt.how = signal === null ? `code ${code ?? '?'}` : signal })
  return attempt
}
