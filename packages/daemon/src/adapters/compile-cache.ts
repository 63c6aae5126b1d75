// Node's compile cache (module.enableCompileCache, Node >= 22.8) for the CLI: V8's compiled code for the CLI's bundles
// is kept on disk between commands, so a command does not compile them again (docs/performance.md). Node 20 has no
// compile cache: nothing happens there. Built as bundle/compile-cache.cjs, which bin/sup.js requires before it loads
// the CLI. The daemon uses none: node keeps a copy of the cache it read or wrote for the whole life of a process
// (~1.1 MiB of the daemon's RSS on Node 22), and its cold start gained nothing measurable from it.
//
// The cache is code that node runs: it is used only from a directory no one but this user can change. It is
// `$XDG_CACHE_HOME/sup/compile` or `~/.cache/sup/compile` (never a shared one like node's default in /tmp), made 0700,
// and it and its parent must be real directories owned by this user (the parent may be root's), writable by no one
// else. `SUP_COMPILE_CACHE=<dir>` chooses another (checked the same way), `SUP_COMPILE_CACHE=off` turns it off.
import { lstatSync, mkdirSync } from 'node:fs'
import module from 'node:module'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve } from 'node:path'

export type CompileCacheState =
  | { readonly enabled: true; readonly dir: string }
  | { readonly enabled: false; readonly reason: string }

interface NodeCompileCache {
  enableCompileCache?: (dir: string) => { status: number; message?: string; directory?: string }
}
const nodeModule = module as unknown as NodeCompileCache

/** The directory to use, or null when turned off. */
export function compileCacheDir (env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string | null {
  const setting = env.SUP_COMPILE_CACHE
  if (setting === 'off') return null
  if (setting !== undefined && setting !== '') return resolve(setting)
  const xdg = env.XDG_CACHE_HOME
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.cache'), 'sup', 'compile')
}

/** Why a directory cannot hold code this user runs, or null when it can. */
export function untrustedBecause (dir: string, uid: number): string | null {
  for (const [path, owners] of [[dir, [uid]], [dirname(dir), [uid, 0]]] as const) {
    const st = lstatSync(path, { throwIfNoEntry: false })
    if (st === undefined) return `${path} does not exist`
    if (!st.isDirectory()) return `${path} is not a directory${st.isSymbolicLink() ? ' (a symbolic link)' : ''}`
    if (!(owners as readonly number[]).includes(st.uid)) return `${path} belongs to uid ${st.uid}, not to ${owners.join(' or ')}`
    if ((st.mode & 0o022) !== 0) return `${path} is writable by others (mode ${(st.mode & 0o777).toString(8)})`
  }
  return null
}

/** Turns the cache on for this process, when node has it and the directory can be trusted; never throws. */
export function enableCompileCache (env: Readonly<Record<string, string | undefined>> = process.env): CompileCacheState {
  const enable = nodeModule.enableCompileCache
  if (typeof enable !== 'function') return { enabled: false, reason: `node ${process.version} has no compile cache (node >= 22.8 has)` }
  const dir = compileCacheDir(env)
  if (dir === null) return { enabled: false, reason: 'SUP_COMPILE_CACHE=off' }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    const problem = untrustedBecause(dir, process.getuid?.() ?? -1)
    if (problem !== null) return { enabled: false, reason: `not used: ${problem}` }
    const result = enable(dir)
    if (result.directory !== undefined) return { enabled: true, dir: result.directory }
    return { enabled: false, reason: result.message ?? `node did not enable it (status ${result.status})` }
  } catch (err) {
    return { enabled: false, reason: err instanceof Error ? err.message : String(err) }
  }
}
