// `all` | `<app>` | `<app>:<i>` resolved against the apps the supervisor has: the workers whose logs to read.
import { NAME_PATTERN, type AppView } from '@sup/protocol'
import { SUP_ERR_APP_NOT_FOUND, SUP_ERR_INSTANCE_NOT_FOUND, SUP_ERR_INVALID_INPUT } from '../errors.ts'
import { workerLogPath } from './fifo.ts'

/** One worker's log. */
export interface LogTarget { readonly app: string; readonly instance: number; readonly logPath: string }

/** A target as written: every app (`app` null), one app, or one worker of it. */
export interface ParsedTarget { readonly app: string | null; readonly instance: number | null }

const NAME = new RegExp(NAME_PATTERN)

/** Parses a target; SUP_ERR_INVALID_INPUT (400) when it cannot name anything. */
export function parseLogTarget (text: string): ParsedTarget {
  if (text === 'all') return { app: null, instance: null }
  const colon = text.lastIndexOf(':')
  const app = colon === -1 ? text : text.slice(0, colon)
  const index = colon === -1 ? null : text.slice(colon + 1)
  if (!NAME.test(app) || app === 'all') throw new SUP_ERR_INVALID_INPUT(`log target '${text}' must be 'all', '<app>' or '<app>:<instance>'`)
  if (index === null) return { app, instance: null }
  if (!/^\d{1,4}$/.test(index)) throw new SUP_ERR_INVALID_INPUT(`log target '${text}': the instance must be a whole number`)
  return { app, instance: Number(index) }
}

/** The workers a target names, apps by name then instances in order; SUP_ERR_APP_NOT_FOUND (404) for an unknown app, SUP_ERR_INSTANCE_NOT_FOUND for an unknown instance. */
export function resolveLogTargets (text: string, apps: readonly AppView[], logsDir: string): LogTarget[] {
  const target = parseLogTarget(text)
  const chosen = target.app === null ? apps : apps.filter((a) => a.name === target.app)
  if (target.app !== null && chosen.length === 0) throw new SUP_ERR_APP_NOT_FOUND(target.app)
  const out = chosen
    .flatMap((a) => a.workers.map((w) => ({ app: a.name, instance: w.instance, logPath: workerLogPath(logsDir, a.name, w.instance) })))
    .filter((t) => target.instance === null || t.instance === target.instance)
    .sort((a, b) => a.app.localeCompare(b.app) || a.instance - b.instance)
  if (target.instance !== null && out.length === 0) throw new SUP_ERR_INSTANCE_NOT_FOUND(target.app ?? '', String(target.instance))
  return out
}
