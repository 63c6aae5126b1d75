// Memory and CPU restart rules (God's `restart_if memory_usage above 150MB times [3,5]`): the spec and the sample window.
import { SUP_ERR_INVALID_SPEC } from '../errors.ts'
import { parseBytes, parseDurationMs } from './units.ts'
import { validateCron } from './cron.ts'

/** "Fire when over the limit in `count` of the last `of` samples." */
export interface OverWindow { readonly count: number; readonly of: number }

/** What a worker's resource watch looks like once validated: limits null when unset. */
export interface ResourceRules {
  /** Bytes of RSS of the worker's whole process tree, or null. */
  readonly maxMemory: number | null
  /** Percent of one core used by the worker's whole process tree, or null. */
  readonly maxCpu: number | null
  readonly over: OverWindow
  readonly sampleIntervalMs: number
  /** A cron expression for a scheduled rolling restart, or null. */
  readonly cronRestart: string | null
}

/** The raw boundary fields. */
export interface ResourceRulesInput {
  maxMemory?: number | string | undefined
  maxCpu?: number | string | undefined
  over?: number | string | undefined
  sampleInterval?: number | string | undefined
  cronRestart?: string | undefined
}

export const DEFAULT_RULES: ResourceRules = { maxMemory: null, maxCpu: null, over: { count: 3, of: 5 }, sampleIntervalMs: 1_000, cronRestart: null }
export const MAX_WINDOW = 100
export const MIN_SAMPLE_INTERVAL_MS = 100
/** Above this many cores of CPU the limit can never be reached on any machine we know. */
export const MAX_CPU_PERCENT = 100_000

/** `3/5` (3 of the last 5) or `5` (5 in a row). */
export function parseOver (value: number | string): OverWindow | undefined {
  const m = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(String(value))
  if (m === null) return undefined
  const count = Number(m[1])
  const of = m[2] === undefined ? count : Number(m[2])
  if (count < 1 || of < count || of > MAX_WINDOW) return undefined
  return { count, of }
}

function maxMemory (value: number | string | undefined): number | null {
  if (value === undefined || value === '') return null
  const n = parseBytes(value)
  if (n === undefined || n < 1024 * 1024) throw new SUP_ERR_INVALID_SPEC('maxMemory', `'${String(value).slice(0, 80)}' must be a size of at least 1M (e.g. 150M, 1G; suffixes K, M, G)`)
  return n
}

function maxCpu (value: number | string | undefined): number | null {
  if (value === undefined || value === '') return null
  const text = String(value).trim().replace(/%$/, '')
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isFinite(n) || n <= 0 || n > MAX_CPU_PERCENT) throw new SUP_ERR_INVALID_SPEC('maxCpu', `'${String(value).slice(0, 80)}' must be a percent of one core above 0 (e.g. 50; 200 = two cores)`)
  return n
}

/** Validates the rule fields of an app spec; throws SUP_ERR_INVALID_SPEC naming the field. */
export function normalizeResourceRules (input: ResourceRulesInput): ResourceRules {
  let over = DEFAULT_RULES.over
  if (input.over !== undefined) {
    const parsed = parseOver(input.over)
    if (parsed === undefined) throw new SUP_ERR_INVALID_SPEC('over', `'${String(input.over).slice(0, 80)}' must be N/M with 1 <= N <= M <= ${MAX_WINDOW} (e.g. 3/5), or N for N in a row`)
    over = parsed
  }
  let sampleIntervalMs = DEFAULT_RULES.sampleIntervalMs
  if (input.sampleInterval !== undefined) {
    const ms = parseDurationMs(input.sampleInterval)
    if (ms === undefined || ms < MIN_SAMPLE_INTERVAL_MS || ms > 3_600_000) throw new SUP_ERR_INVALID_SPEC('sampleInterval', `'${String(input.sampleInterval).slice(0, 80)}' must be a duration from 100ms to 1h (e.g. 1s)`)
    sampleIntervalMs = ms
  }
  let cronRestart: string | null = null
  if (input.cronRestart !== undefined && input.cronRestart.trim() !== '') {
    const why = validateCron(input.cronRestart)
    if (why !== null) throw new SUP_ERR_INVALID_SPEC('cronRestart', `'${input.cronRestart.slice(0, 80)}' is not a cron expression (${why}); e.g. "0 3 * * *" for 03:00 every day`)
    cronRestart = input.cronRestart.trim()
  }
  return { maxMemory: maxMemory(input.maxMemory), maxCpu: maxCpu(input.maxCpu), over, sampleIntervalMs, cronRestart }
}

/** Rules of a spec stored by an older sup (no rule fields): the defaults. */
export function rulesOf (spec: Partial<ResourceRules>): ResourceRules {
  return {
    maxMemory: spec.maxMemory ?? null,
    maxCpu: spec.maxCpu ?? null,
    over: spec.over ?? DEFAULT_RULES.over,
    sampleIntervalMs: spec.sampleIntervalMs ?? DEFAULT_RULES.sampleIntervalMs,
    cronRestart: spec.cronRestart ?? null
  }
}

export type RuleMetric = 'memory' | 'cpu'

/** The last samples of one metric of one worker (newest last, at most `over.of`). */
export type RuleWindow = readonly number[]

/** A rule that fired: which, its limit, and the samples of the window that decided it. */
export interface FiredRule {
  readonly rule: RuleMetric
  readonly limit: number
  readonly over: OverWindow
  readonly values: readonly number[]
}

/**
 * Adds one sample to a window and says whether the rule fires: at least `over.count` of the last `over.of`
 * samples strictly above `limit`. A fired rule's window comes back empty (it starts again for the next process).
 */
export function observeSample (window: RuleWindow, value: number, limit: number, over: OverWindow, rule: RuleMetric): { window: RuleWindow; fired: FiredRule | null } {
  const next = [...window, value].slice(-over.of)
  const above = next.filter((v) => v > limit).length
  if (above < over.count) return { window: next, fired: null }
  return { window: [], fired: { rule, limit, over, values: next } }
}

/** A readable value: bytes as MiB, CPU as percent. */
export function formatRuleValue (rule: RuleMetric, value: number): string {
  return rule === 'memory' ? `${(value / 1024 / 1024).toFixed(1)}M` : `${value.toFixed(1)}%`
}

/** The reason of a rule-restart event: "memory above 100.0M in 3 of the last 5 samples (112.3M, ...)". */
export function describeFired (f: FiredRule): string {
  const values = f.values.map((v) => formatRuleValue(f.rule, v)).join(', ')
  return `${f.rule} above ${formatRuleValue(f.rule, f.limit)} in ${f.values.filter((v) => v > f.limit).length} of the last ${f.values.length} samples (${values})`
}
