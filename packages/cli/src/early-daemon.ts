// `sup start` with no daemon running: bin/sup.js spawns the daemon first thing, so the daemon's own start (a second
// node process booting, ~0.1-0.2 s) runs beside the CLI loading its program instead of after it (docs/performance.md).
// The program (another bundle) takes that daemon over in ensureDaemon: it polls it as if it had spawned it itself.
// `sup start` first hands it its first app through the start handoff (start-handoff.ts), a socket pair made here.
import { existsSync, readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import type { HandoffUnused } from '@sup/protocol/handoff'
import { MAX_SOCKET_PATH_BYTES } from '@sup/protocol/socket'
import { homeOf } from './home.ts'
import { followAttempt, locateDaemonEntry, spawnDaemon, type Attempt } from './daemon-spawn.ts'
import { isAlive, parsePid } from './pid-file.ts'

/** Where bin/sup.js leaves the daemon it spawned; a global, because bin/sup.js and the program are two bundles. */
const EARLY = Symbol.for('sup.early-daemon')
/** Its end of the start handoff (start-handoff.ts), taken apart from the attempt: ensureDaemon takes that one. */
const HANDOFF = Symbol.for('sup.early-daemon.handoff')
interface EarlyDaemon { readonly home: string; readonly attempt: Attempt }
interface EarlyHandoff { readonly home: string; readonly pipe: Socket }
type Holder = { [EARLY]?: EarlyDaemon | undefined; [HANDOFF]?: EarlyHandoff | undefined }

export { homeOf } from './home.ts'

/** Whether `<home>/sup.pid` names a live process: a daemon may be starting there, its socket not made yet. */
function pidFileLive (home: string): boolean {
  let text: string
  try { text = readFileSync(join(home, 'sup.pid'), 'utf8') } catch { return false }
  const pid = parsePid(text)
  return pid !== undefined && isAlive(pid)
}

/**
 * True for `sup start …` (not its --help) when `<home>/sup.sock` is missing and no live process holds sup.pid: a
 * command that will wait for a daemon and finds none. A socket that exists but answers nobody (a crashed daemon), or
 * a daemon that has not opened its API yet (a handed start answers before that), is left to ensureDaemon: a second
 * daemon spawned beside a starting one takes the home with this command's environment if the first one exits. Nor
 * for a home whose socket path is too long to be one: the client says so without a daemon.
 */
export function wantsEarlyDaemon (args: readonly string[], home: string, exists: (path: string) => boolean = existsSync, starting: (home: string) => boolean = pidFileLive): boolean {
  const [verb, ...rest] = args
  if (verb !== 'start') return false
  const end = rest.indexOf('--')
  if ((end === -1 ? rest : rest.slice(0, end)).some((a) => a === '-h' || a === '--help')) return false
  const socket = join(home, 'sup.sock')
  return Buffer.byteLength(socket) <= MAX_SOCKET_PATH_BYTES && !exists(socket) && !starting(home)
}

/** Spawns the daemon now when wantsEarlyDaemon says so; nothing happens (and nothing is said) when it cannot. */
export function spawnEarlyDaemon (args: readonly string[], env: NodeJS.ProcessEnv = process.env, spawn: typeof spawnDaemon = spawnDaemon): void {
  const home = homeOf(env)
  if (!wantsEarlyDaemon(args, home)) return
  const found = locateDaemonEntry(env)
  if (!('entry' in found)) return // the program says why when it needs the daemon
  const child = spawn(found.entry, env, true)
  const holder = globalThis as Holder
  holder[EARLY] = { home, attempt: followAttempt(child) }
  const pipe = child.stdio?.[3] as Socket | null | undefined
  if (pipe === null || pipe === undefined) return
  holder[HANDOFF] = { home, pipe }
  process.once('exit', (code) => { tellNotNeeded(holder, code) })
}

/**
 * At exit, a handoff nothing took (the command failed before it needed a daemon: a usage error) tells the daemon so
 * (@sup/protocol/handoff HandoffUnused): one with no app exits instead of running on unasked. A start the daemon
 * itself refused (a missing script) took the handoff: that daemon stays, as after a refused start to a running one.
 * The line is written at once (libuv writes to an idle socket synchronously), before the process ends.
 */
function tellNotNeeded (holder: Holder, code: number): void {
  const left = holder[HANDOFF]
  if (left === undefined) return
  holder[HANDOFF] = undefined
  // the verb only: the rest of the line may hold a secret (`--env KEY=…`), and this goes to the daemon's log
  const line: HandoffUnused = { unused: `\`sup ${process.argv[2] ?? ''}\` ended (exit code ${code}) without needing a daemon` }
  try { left.pipe.write(`${JSON.stringify(line)}\n`) } catch { /* the daemon is gone: nothing to tell */ }
}

/** What bin/sup.js left under `key` for this home, once. */
function takeOnce<K extends typeof EARLY | typeof HANDOFF> (key: K, home: string): Holder[K] {
  const holder = globalThis as Holder
  const left = holder[key]
  if (left === undefined || left.home !== home) return undefined
  holder[key] = undefined
  return left
}

/** The start handoff's end of the daemon bin/sup.js spawned for this home, once (start-handoff.ts). */
export function takeHandoff (home: string): Socket | undefined {
  return takeOnce(HANDOFF, home)?.pipe
}

/** The daemon bin/sup.js spawned for this home, once: ensureDaemon polls it instead of spawning another. */
export function takeEarlyDaemon (home: string): Attempt | undefined {
  return takeOnce(EARLY, home)?.attempt
}
