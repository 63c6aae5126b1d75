// `sup start` with no daemon running: bin/sup.js spawns the daemon first thing, so the daemon's own start (a second
// node process booting, ~0.1-0.2 s) runs beside the CLI loading its program instead of after it (docs/performance.md).
// The program (another bundle) takes that daemon over in ensureDaemon: it polls it as if it had spawned it itself.
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { followAttempt, locateDaemonEntry, spawnDaemon, type Attempt } from './daemon-spawn.ts'

/** Where bin/sup.js leaves the daemon it spawned; a global, because bin/sup.js and the program are two bundles. */
const EARLY = Symbol.for('sup.early-daemon')
interface EarlyDaemon { readonly home: string; readonly attempt: Attempt }
type Holder = { [EARLY]?: EarlyDaemon | undefined }

/** The sup home as the client computes it (`@sup/client` defaultHome: `$SUP_HOME`, else ~/.sup). */
export function homeOf (env: NodeJS.ProcessEnv): string {
  const home = env.SUP_HOME
  return home === undefined || home === '' ? join(homedir(), '.sup') : resolve(home)
}

/**
 * True for `sup start …` (not its --help) when `<home>/sup.sock` is missing: a command that will wait for a daemon
 * and finds none. A socket that exists but answers nobody (a crashed daemon) is left to ensureDaemon.
 */
export function wantsEarlyDaemon (args: readonly string[], home: string, exists: (path: string) => boolean = existsSync): boolean {
  const [verb, ...rest] = args
  if (verb !== 'start') return false
  const end = rest.indexOf('--')
  if ((end === -1 ? rest : rest.slice(0, end)).some((a) => a === '-h' || a === '--help')) return false
  return !exists(join(home, 'sup.sock'))
}

/** Spawns the daemon now when wantsEarlyDaemon says so; nothing happens (and nothing is said) when it cannot. */
export function spawnEarlyDaemon (args: readonly string[], env: NodeJS.ProcessEnv = process.env, spawn: typeof spawnDaemon = spawnDaemon): void {
  const home = homeOf(env)
  if (!wantsEarlyDaemon(args, home)) return
  const found = locateDaemonEntry(env)
  if (!('entry' in found)) return // the program says why when it needs the daemon
  ;(globalThis as Holder)[EARLY] = { home, attempt: followAttempt(spawn(found.entry, env)) }
}

/** The daemon bin/sup.js spawned for this home, once: ensureDaemon polls it instead of spawning another. */
export function takeEarlyDaemon (home: string): Attempt | undefined {
  const holder = globalThis as Holder
  const early = holder[EARLY]
  if (early === undefined || early.home !== home) return undefined
  holder[EARLY] = undefined
  return early.attempt
}
