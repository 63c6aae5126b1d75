// Builds what the spawner needs for one worker: command, env (base, shell, --env, PORT, SUP_*), log file.
import type { AppSpec } from '../core/app-spec.ts'
import type { SpawnSpec } from '../core/ports.ts'
import { isNodeScript, NODE_STRIPS_TYPES } from './node-script.ts'

/** Variables of the daemon's own environment that must not leak into workers. */
const DAEMON_ONLY = /^SUP_(HOME|DAEMON_ENTRY|MARKER|PORT_POOL)$/

/** `$PORT`, `${PORT}`, `$SUP_INSTANCE`, `${SUP_INSTANCE}` in an argument. */
const ARG_VAR = /\$(?:\{(PORT|SUP_INSTANCE)\}|(PORT|SUP_INSTANCE)(?![A-Za-z0-9_]))/g

/** Where a worker's two output streams go (its FIFOs, prepared by the runner's `prepareOutput`). */
export interface OutputPaths { readonly stdoutPath: string; readonly stderrPath: string }

/**
 * A worker's environment, later layers winning: the daemon's small base, the environment of the shell that ran
 * `sup start`, `--env-file` and `--env`, then what sup sets (PORT unless --no-port, SUP_APP, SUP_INSTANCE, NODE_APP_INSTANCE,
 * and SUP_HOME when the base carries the daemon's).
 */
export function workerEnv (spec: AppSpec, instance: number, port: number | null, baseEnv: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...baseEnv, ...spec.shellEnv })) if (!DAEMON_ONLY.test(k)) env[k] = v
  Object.assign(env, spec.env)
  if (spec.hasPort && port !== null) env.PORT = String(port)
  env.SUP_APP = spec.name
  env.SUP_INSTANCE = String(instance)
  env.NODE_APP_INSTANCE = String(instance)
  // this daemon's home (never a shell's or --env's): a `sup` the app runs (a deploy hook, a job) reaches this daemon
  if (baseEnv.SUP_HOME !== undefined) env.SUP_HOME = baseEnv.SUP_HOME
  return env
}

/** Replaces `$PORT` / `$SUP_INSTANCE` in the app's arguments: sup does it, no shell is involved. */
export function substituteArgs (args: readonly string[], vars: { PORT: string; SUP_INSTANCE: string }): string[] {
  return args.map((a) => a.replace(ARG_VAR, (_m, braced: string | undefined, bare: string | undefined) => vars[(braced ?? bare) as 'PORT' | 'SUP_INSTANCE']))
}

/**
 * The program and its arguments: the interpreter if any, node for .js/.mjs/.cjs (and .ts where node strips types:
 * node-script.ts), with no wrapper so ESM and CJS both just work; else the script itself.
 */
export function commandOf (spec: AppSpec, args: readonly string[], stripsTypes: boolean = NODE_STRIPS_TYPES): { command: string; args: string[] } {
  if (spec.interpreter !== null) return { command: spec.interpreter, args: [...spec.interpreterArgs, spec.script, ...args] }
  if (isNodeScript(spec.script, stripsTypes)) return { command: process.execPath, args: [...spec.interpreterArgs, spec.script, ...args] }
  return { command: spec.script, args: [...args] }
}

export function buildSpawnSpec (spec: AppSpec, instance: number, port: number | null, marker: string, output: OutputPaths, baseEnv: Readonly<Record<string, string>>): SpawnSpec {
  const args = substituteArgs(spec.args, { PORT: spec.hasPort && port !== null ? String(port) : '', SUP_INSTANCE: String(instance) })
  return {
    app: spec.name,
    instance,
    ...commandOf(spec, args),
    cwd: spec.cwd,
    env: workerEnv(spec, instance, port, baseEnv),
    marker,
    stdoutPath: output.stdoutPath,
    stderrPath: output.stderrPath,
    ipc: spec.waitReady
  }
}
