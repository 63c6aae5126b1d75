// Builds a deploy's AppSpecInput: the app's current definition, then package.json's "sup" field, then the query.
import { Type } from 'typebox'
import { Check, Errors } from 'typebox/value'
import { AppSpecInput as AppSpecInputSchema } from '@sup/protocol'
import type { AppSpec, AppSpecInput } from '../core/app-spec.ts'
import { SUP_ERR_INVALID_SPEC } from '../errors.ts'

/** What package.json's "sup" field may set: everything but what the release decides (name, script, args, cwd). */
const SupField = Type.Omit(Type.Partial(AppSpecInputSchema), ['name', 'script', 'args', 'cwd'], { additionalProperties: false })

/** An AppSpec back to boundary input (durations as ms numbers), so overrides can be layered on it and normalized again. */
export function specToInput (s: AppSpec): AppSpecInput {
  return {
    name: s.name,
    script: s.script,
    args: [...s.args],
    cwd: s.cwd,
    instances: s.instances,
    portRange: `${s.portRange.from}-${s.portRange.to}`,
    env: { ...s.env },
    restart: s.restart,
    restartDelay: s.restartDelayMs,
    maxRestartDelay: s.maxRestartDelayMs,
    minUptime: s.minUptimeMs,
    maxRestarts: s.maxRestarts,
    restartWindow: s.restartWindowMs,
    retryIn: s.retryInMs,
    listenTimeout: s.listenTimeoutMs,
    killTimeout: s.killTimeoutMs,
    killSignal: s.killSignal,
    waitReady: s.waitReady,
    logMaxSize: s.logMaxSize,
    logFiles: s.logFiles,
    health: s.health?.path,
    healthInterval: s.health?.intervalMs,
    healthTimeout: s.health?.timeoutMs,
    healthFailures: s.health?.failures,
    drain: s.drainMs,
    watchIgnore: [...s.watchIgnore]
  }
}

/** package.json's "sup" field, checked: a wrong field is SUP_ERR_INVALID_SPEC naming `sup.<field>`. */
export function supFieldInput (value: unknown): Partial<AppSpecInput> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SUP_ERR_INVALID_SPEC('sup', 'package.json\'s "sup" field must be an object')
  // "installScripts" is for the installer (deploy/installer.ts), not the app's definition
  const { installScripts, ...fields } = value as Record<string, unknown>
  if (installScripts !== undefined && typeof installScripts !== 'boolean') throw new SUP_ERR_INVALID_SPEC('sup.installScripts', 'must be true or false')
  return checkSupFields(fields)
}

function checkSupFields (value: Record<string, unknown>): Partial<AppSpecInput> {
  if (!Check(SupField, value)) {
    const first = [...Errors(SupField, value)][0] as { instancePath?: string; message?: string } | undefined
    const field = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
    const unknown = Object.keys(value).find((k) => !(k in SupField.properties))
    throw new SUP_ERR_INVALID_SPEC(unknown !== undefined ? `sup.${unknown}` : `sup${field === '' ? '' : `.${field}`}`, unknown !== undefined ? 'is not a field sup knows' : first?.message ?? 'invalid value')
  }
  return value as Partial<AppSpecInput>
}

/** Layers: current definition (if any) < package.json "sup" < query; then the release decides script, args, cwd, name. */
export function deployInput (o: { current: AppSpec | undefined; sup: Partial<AppSpecInput>; query: { instances?: string | undefined; portRange?: string | undefined }; app: string; script: string; args: string[]; cwd: string }): AppSpecInput {
  const base: Partial<AppSpecInput> = o.current === undefined ? {} : specToInput(o.current)
  const query: Partial<AppSpecInput> = {}
  if (o.query.instances !== undefined) query.instances = o.query.instances
  if (o.query.portRange !== undefined) query.portRange = o.query.portRange
  return { ...base, ...o.sup, ...query, name: o.app, script: o.script, args: o.args, cwd: o.cwd }
}
