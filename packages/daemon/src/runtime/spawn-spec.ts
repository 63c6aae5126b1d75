// Builds what the spawner needs for one worker: command, env (PORT, SUP_*), log file.
import type { AppSpec } from '../core/app-spec.ts'
import type { SpawnSpec } from '../core/ports.ts'

/** Scripts run by `node` directly (no wrapper, so ESM and CJS both just work). */
const NODE_SCRIPT = /\.(c|m)?js$/

/** Variables of the daemon's own environment that must not leak into workers. */
const DAEMON_ONLY = /^SUP_(HOME|DAEMON_ENTRY|MARKER|PORT_POOL)$/

/** Where a worker's two output streams go (its FIFOs, prepared by the runner's `prepareOutput`). */
export interface OutputPaths { readonly stdoutPath: string; readonly stderrPath: string }

export function buildSpawnSpec (spec: AppSpec, instance: number, port: number, marker: string, output: OutputPaths, baseEnv: Readonly<Record<string, string>>): SpawnSpec {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(baseEnv)) if (!DAEMON_ONLY.test(k)) env[k] = v
  Object.assign(env, spec.env, {
    PORT: String(port),
    SUP_APP: spec.name,
    SUP_INSTANCE: String(instance),
    NODE_APP_INSTANCE: String(instance)
  })
  const isNode = NODE_SCRIPT.test(spec.script)
  return {
    app: spec.name,
    instance,
    command: isNode ? process.execPath : spec.script,
    args: isNode ? [spec.script, ...spec.args] : [...spec.args],
    cwd: spec.cwd,
    env,
    marker,
    stdoutPath: output.stdoutPath,
    stderrPath: output.stderrPath,
    ipc: spec.waitReady
  }
}
