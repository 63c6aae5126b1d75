// Installs a release's production dependencies: `npm ci --omit=dev` with a lockfile, else `npm install --omit=dev`.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs'
import { baseEnvironment } from '../core/base-env.ts'
import { SUP_ERR_INSTALL_FAILED } from '../errors.ts'

export const INSTALL_LOG = '.sup-install.log'

export interface InstallOptions {
  readonly timeoutMs: number
  /** Filtered to the small base environment (no daemon secrets, no SUP_*, no token): docs/security.md. */
  readonly env: Readonly<Record<string, string>>
  /** Run npm lifecycle scripts (preinstall, postinstall...); default false: `--ignore-scripts`. */
  readonly installScripts?: boolean
  /** The npm executable (default `npm` from PATH). */
  readonly npm?: string
}

/** True when package.json declares any runtime dependency. */
export function hasDependencies (pkg: Record<string, unknown> | null): boolean {
  const deps = pkg?.dependencies
  return typeof deps === 'object' && deps !== null && Object.keys(deps).length > 0
}

/** npm's own settings (`npm_config_registry`...) pass, credentials among them do not. */
const NPM_CONFIG = /^npm_config_/i
const CREDENTIAL = /auth|token|pass|cert|key/i

/** The small base environment plus npm's settings: no daemon secret, no SUP_*, no token (docs/security.md). */
export function npmEnvironment (env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out = baseEnvironment(env)
  for (const [k, v] of Object.entries(env)) if (v !== undefined && NPM_CONFIG.test(k) && !CREDENTIAL.test(k)) out[k] = v
  return out
}

/** True when the app's package.json opts in to its install scripts: `"sup": { "installScripts": true }`. */
export function optsInToScripts (pkg: Record<string, unknown> | null): boolean {
  const sup = pkg?.sup
  return typeof sup === 'object' && sup !== null && (sup as Record<string, unknown>).installScripts === true
}

/** The last `n` lines of a log file. */
export function lastLines (path: string, n: number): string[] {
  try { return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-n) } catch { return [] }
}

/** Runs npm in `dir` (output in dir/.sup-install.log, after a first line `$ npm <args>`); rejects with SUP_ERR_INSTALL_FAILED carrying npm's last lines. */
export async function installDependencies (dir: string, opts: InstallOptions): Promise<void> {
  const lock = existsSync(`${dir}/package-lock.json`) || existsSync(`${dir}/npm-shrinkwrap.json`)
  const args = [lock ? 'ci' : 'install', '--omit=dev', '--no-audit', '--no-fund', '--no-update-notifier', ...(opts.installScripts === true ? [] : ['--ignore-scripts'])]
  const logPath = `${dir}/${INSTALL_LOG}`
  const fd = openSync(logPath, 'a', 0o600)
  writeSync(fd, `$ npm ${args.join(' ')}\n`) // the log's first line says which command ran
  let result: { code: number | null; signal: string | null; timedOut: boolean; error?: string }
  try {
    result = await new Promise((resolve) => {
      const child = spawn(opts.npm ?? 'npm', args, { cwd: dir, env: npmEnvironment(opts.env), stdio: ['ignore', fd, fd], detached: true })
      let timedOut = false
      const timer = setTimeout(() => {
        timedOut = true
        try { if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL') } catch { /* already gone */ }
      }, opts.timeoutMs)
      child.once('error', (err) => { clearTimeout(timer); resolve({ code: null, signal: null, timedOut, error: err.message }) })
      child.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, timedOut }) })
    })
  } finally { closeSync(fd) }
  if (result.code === 0) return
  const why = result.timedOut ? `npm ${args[0] ?? ''} took longer than ${opts.timeoutMs} ms` : result.error !== undefined ? `cannot run npm: ${result.error}` : `npm ${args[0] ?? ''} exited with ${result.code ?? result.signal ?? '?'}`
  const err = new SUP_ERR_INSTALL_FAILED(why) as Error & { output?: string[] }
  err.output = lastLines(logPath, 20)
  throw err
}
