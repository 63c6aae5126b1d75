// The environment `sup start` sends to the daemon: the caller's shell, as PM2 passes it, minus sup's own variables.
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'

/** Per-shell noise that describes the terminal session, not the app. */
const SHELL_NOISE = new Set(['PWD', 'OLDPWD', 'SHLVL', '_'])

/**
 * What of the CLI's environment reaches the app: everything but sup's own SUP_* variables, PWD/OLDPWD/SHLVL/_,
 * and the NODE_PATH entries a pnpm `node_modules/.bin/sup` shim adds (sup's own store, not the app's).
 */
export function shellEnvironment (env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k.startsWith('SUP_') || SHELL_NOISE.has(k) || v.includes('\0')) continue
    out[k] = v
  }
  if (out.NODE_PATH !== undefined) {
    const kept = out.NODE_PATH.split(delimiter).filter((p) => p !== '' && !p.includes('/node_modules/.pnpm/'))
    if (kept.length === 0) delete out.NODE_PATH
    else out.NODE_PATH = kept.join(delimiter)
  }
  return out
}

function isExecutableFile (path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** A bare command name looked up in PATH (the first executable file), or undefined. */
export function findInPath (name: string, path: string | undefined): string | undefined {
  if (name.includes('/') || isAbsolute(name)) return undefined
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    if (isExecutableFile(candidate)) return candidate
  }
  return undefined
}
