// `sup start <file>` on apps that already run: the changed definition is rolled onto the workers, zero-downtime.
import type { AppView } from '@sup/protocol'
import type { AppSpec, AppSpecInput } from '../core/app-spec.ts'

/** What applying needs from the supervisor (its public operations; each is queued per app). */
export interface ApplyOps {
  specOf (name: string): AppSpec | undefined
  desiredOf (name: string): 'running' | 'stopped' | undefined
  normalize (input: AppSpecInput): AppSpec
  check (spec: AppSpec): Promise<void>
  createApp (input: AppSpecInput, wait: boolean): Promise<AppView>
  deployApp (name: string, spec: AppSpec): Promise<AppView>
  scaleApp (name: string, instances: number): Promise<AppView>
  startApp (name: string): Promise<AppView>
  getApp (name: string): AppView
}

/** JSON with sorted keys: two specs built in a different key order compare equal. */
function canonical (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** True when the two definitions differ in more than the instance count. */
export function needsRollout (old: AppSpec, next: AppSpec): boolean {
  return canonical({ ...old, instances: 0 }) !== canonical({ ...next, instances: 0 })
}

/**
 * Creates the app, or brings a running one to `input`: a changed definition rolls onto new workers (as a deploy
 * does: the old ones keep serving if a new one fails), then the count is scaled. The stored shell environment
 * stays unless `input.shellEnv` is given (--update-env). An unchanged app is only started if it was stopped.
 */
export async function applyApp (ops: ApplyOps, input: AppSpecInput & { name: string }): Promise<AppView> {
  const old = ops.specOf(input.name)
  if (old === undefined) return ops.createApp(input, true)
  const spec = ops.normalize({ ...input, shellEnv: input.shellEnv ?? { ...old.shellEnv } })
  await ops.check(spec)
  if (needsRollout(old, spec)) await ops.deployApp(input.name, spec)
  if (spec.instances !== old.instances) await ops.scaleApp(input.name, spec.instances)
  return ops.desiredOf(input.name) === 'stopped' ? ops.startApp(input.name) : ops.getApp(input.name)
}
