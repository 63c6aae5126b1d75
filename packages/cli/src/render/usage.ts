// CPU and memory for people: `sup list` columns and totals, `sup show`'s last minute of samples.
import type { AppSamples, UsageSample, WorkerView } from '@sup/protocol'
import type { Colors } from './format.ts'

/** Bytes in binary units: `512K`, `48.2M`, `1.50G`; `-` when unknown. */
export function formatBytes (bytes: number | undefined): string {
  if (bytes === undefined) return '-'
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)}K`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)}M`
  return `${(bytes / 1024 ** 3).toFixed(2)}G`
}

/** Percent of one core, one decimal: `12.5%`; `-` when unknown. */
export function formatCpu (cpu: number | undefined): string {
  return cpu === undefined ? '-' : `${cpu.toFixed(1)}%`
}

/** The cpu and mem cells of a worker row. */
export function usageCells (w: WorkerView): [string, string] {
  return [formatCpu(w.cpu), formatBytes(w.memory)]
}

/** The cpu and mem cells of an app's total row (sums of the sampled workers; `-` when none was sampled). */
export function totalCells (workers: readonly WorkerView[]): [string, string] {
  const sampled = workers.filter((w) => w.cpu !== undefined && w.memory !== undefined)
  if (sampled.length === 0) return ['-', '-']
  return [formatCpu(sampled.reduce((s, w) => s + (w.cpu ?? 0), 0)), formatBytes(sampled.reduce((s, w) => s + (w.memory ?? 0), 0))]
}

const BARS = '▁▂▃▄▅▆▇█'

/** A one-line chart of values between 0 and max (at most `width` characters, the newest on the right). */
export function sparkline (values: readonly number[], max: number, width = 60): string {
  const tail = values.slice(-width)
  if (max <= 0) return BARS[0]?.repeat(tail.length) ?? ''
  return tail.map((v) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.floor((v / max) * (BARS.length - 1) + 0.5)))] ?? '').join('')
}

function summary (samples: readonly UsageSample[], pick: (s: UsageSample) => number, format: (n: number) => string): string {
  if (samples.length === 0) return '-'
  const values = samples.map(pick)
  const avg = values.reduce((a, b) => a + b, 0) / values.length
  return `now ${format(values[values.length - 1] ?? 0)}  avg ${format(avg)}  max ${format(Math.max(...values))}`
}

/** `sup show`: per worker, a chart and now/avg/max of CPU and memory over the last minute. */
export function renderSamples (s: AppSamples, c: Colors): string[] {
  const lines: string[] = []
  for (const w of s.workers) {
    const cpuMax = Math.max(100, ...w.samples.map((x) => x.cpu))
    const memMax = Math.max(1, ...w.samples.map((x) => x.memory))
    const label = `#${w.instance}${w.pid === null ? '' : ` pid ${w.pid}`}`
    if (w.samples.length === 0) { lines.push(`${label}  ${c.dim('no samples yet')}`); continue }
    lines.push(`${label}  ${c.dim(`${w.samples.length} samples, every ${s.intervalMs} ms`)}`)
    lines.push(`  cpu  ${sparkline(w.samples.map((x) => x.cpu), cpuMax)}  ${summary(w.samples, (x) => x.cpu, (n) => formatCpu(n))}`)
    lines.push(`  mem  ${sparkline(w.samples.map((x) => x.memory), memMax)}  ${summary(w.samples, (x) => x.memory, (n) => formatBytes(n))}`)
  }
  return lines
}

/** The rules line of `sup show`: limits, window, interval, schedule. */
export function describeRules (spec: { maxMemory?: number | null; maxCpu?: number | null; over?: { count: number; of: number }; sampleIntervalMs?: number; cronRestart?: string | null }): string {
  const parts: string[] = []
  const over = spec.over === undefined ? '' : ` in ${spec.over.count} of ${spec.over.of} samples`
  if (spec.maxMemory !== undefined && spec.maxMemory !== null) parts.push(`memory > ${formatBytes(spec.maxMemory)}${over}`)
  if (spec.maxCpu !== undefined && spec.maxCpu !== null) parts.push(`cpu > ${spec.maxCpu}%${over}`)
  if (spec.cronRestart !== undefined && spec.cronRestart !== null) parts.push(`rolling restart at "${spec.cronRestart}"`)
  return parts.length === 0 ? '-' : parts.join(', ')
}
