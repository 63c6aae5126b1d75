// Renders the results of one run as RESULTS.md (pure: data in, markdown out).
import { median } from './timing.mjs'

const TOOLS = ['sup', 'pm2', 'floor']
const LABEL = { sup: 'sup', pm2: 'PM2', floor: 'floor' }

/** Formats a value in the figure's unit with sensible precision. */
export function formatValue (v, unit) {
  if (!Number.isFinite(v)) return 'n/a'
  if (unit === 'MiB') return `${v.toFixed(1)} MiB`
  if (Number.isInteger(v)) return `${v} ${unit}`.trimEnd()
  const digits = v < 10 ? 2 : v < 100 ? 1 : 0
  return `${v.toFixed(digits)} ${unit}`.trimEnd()
}

const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a')

/** Medians by tool id for one figure's results (NaN where a tool has no samples). */
export function mediansOf (figResults) {
  return Object.fromEntries(TOOLS.map((t) => [t, median(figResults?.[t]?.samples ?? [])]))
}

/** 'met', 'not met' or 'n/a' for a figure, from the medians its aim needs (and, if it wants, all its results). */
export function verdict (fig, medians, figResults = {}) {
  if (fig.aim.needs.some((t) => !Number.isFinite(medians[t]))) return 'n/a'
  return fig.aim.isMet(medians, figResults) ? '**met**' : '**not met**'
}

/** A part's unit: the figure's, unless it names one (e.g. lines/s in a figure in ms). */
const partUnit = (f, name) => f.partUnits?.[name] ?? f.unit

/** Whether a tool's value may be compared with sup's (it takes part, and not only for context). */
const isComparable = (f, t) => (!f.tools || f.tools.includes(t)) && !f.incomparable?.[t]

/** A tool's summary cell: its median (+ the figure's summaryParts), or why there is none. */
function summaryCell (f, figResults, t, m) {
  const na = f.incomparable?.[t]
  if (f.tools && !f.tools.includes(t)) return na?.text ?? '—'
  if (na) return Number.isFinite(m) ? `${na.text} (context: ${formatValue(m, f.unit)})` : na.text
  const parts = figResults?.[t]?.parts
  const show = (k) => (k === partUnit(f, k) ? '' : `${k} `) + formatValue(median(parts[k]), partUnit(f, k))
  const extra = (f.summaryParts ?? []).filter((k) => parts?.[k]).map(show)
  return extra.length > 0 && Number.isFinite(m) ? `${formatValue(m, f.unit)} (${extra.join(', ')})` : formatValue(m, f.unit)
}

function summaryTable (figures, results) {
  const rows = figures.map((f) => {
    const m = mediansOf(results[f.id])
    const r = (t) => (isComparable(f, t) ? ratio(m.sup, m[t]) : 'n/a')
    const cells = [f.number, f.title, ...TOOLS.map((t) => summaryCell(f, results[f.id], t, m[t])), r('pm2'), r('floor'), f.aim.text, verdict(f, m, results[f.id] ?? {})]
    return `| ${cells.join(' | ')} |`
  })
  return ['| # | Figure | sup | PM2 | floor | sup/PM2 | sup/floor | Aim | Met |', '|---|---|---|---|---|---|---|---|---|', ...rows].join('\n')
}

function samplesSection (f, figResults) {
  const fmt = (v) => formatValue(v, f.unit)
  const lines = [`### ${f.number}. ${f.title}`, '', '| tool | n | median | min | max | samples (in run order) |', '|---|---|---|---|---|---|']
  for (const t of TOOLS) {
    const r = figResults?.[t]
    if (!r) continue
    const s = r.samples
    const all = s.map((v) => v.toFixed(1)).join(', ')
    const label = f.incomparable?.[t] ? `${LABEL[t]} (context)` : LABEL[t]
    lines.push(`| ${label} | ${s.length} | ${fmt(median(s))} | ${fmt(Math.min(...s))} | ${fmt(Math.max(...s))} | ${all || '—'} |`)
  }
  for (const t of TOOLS) {
    const na = f.incomparable?.[t]
    if (na && (!f.tools || f.tools.includes(t))) lines.push('', `${LABEL[t]}: ${na.text}; measured for context only: ${na.context ?? '—'}.`)
    else if (na && f.tools && !figResults?.[t]) lines.push('', `${LABEL[t]}: ${na.text}.`)
  }
  for (const t of TOOLS) {
    const parts = figResults?.[t]?.parts
    if (!parts) continue
    const desc = Object.entries(parts).map(([k, vs]) => `${k} ${formatValue(median(vs), partUnit(f, k))}`).join(', ')
    lines.push('', `${LABEL[t]}, medians of the parts: ${desc}.`)
    const spread = Object.entries(parts).filter(([k]) => partUnit(f, k) !== f.unit)
    if (spread.length > 0) lines.push('', `${LABEL[t]}, parts in run order: ${spread.map(([k, vs]) => `${k} ${vs.map((v) => formatValue(v, partUnit(f, k)).split(' ')[0]).join(', ')}`).join('; ')}.`)
  }
  for (const t of TOOLS) {
    const err = figResults?.[t]?.error
    if (err) lines.push('', `${LABEL[t]} failed: \`${err.replaceAll('`', "'").replaceAll('\n', ' ')}\``)
  }
  return lines.join('\n')
}

/** The whole RESULTS.md. `run` = { machine, reps, durationMs, warnings, notes }. */
export function renderReport ({ figures, results, run }) {
  const ordered = [...figures].sort((a, b) => a.number - b.number)
  const m = run.machine
  return [
    '# sup vs PM2: benchmark results',
    '',
    `Written by \`bench/run.mjs\` (${m.date}); do not edit by hand, run it again. Values are medians of ${run.reps} repetitions; lower is better for every figure's value (a part in parentheses may be a rate, e.g. lines/s).`,
    '',
    summaryTable(ordered, results),
    '',
    '## Machine and run',
    '',
    `- date: ${m.date}`,
    `- CPU: ${m.cpu}; memory: ${m.memory}; OS: ${m.os}`,
    `- NODE_EXTRA_CA_CERTS: ${m.nodeExtraCaCerts ?? 'not recorded'} (when set, node parses it at every start: every node process of every tool, and the floor, starts ~38 ms later on the bench box)`,
    `- load average (1, 5, 15 min) at start: ${m.loadavg}; at end: ${run.loadavgEnd}${run.isBusy ? ' (**the machine was busy: other processes competed for the CPUs, expect noise**)' : ''}`,
    `- node: ${m.node}; PM2: ${m.versions.pm2 ?? 'not run'}; sup: ${m.versions.sup ?? 'not run'}; commit ${m.commit}${run.supRootText ?? ''}`,
    `- repetitions: ${run.reps} per figure and tool (cold start: plus 1 unmeasured warm-up per tool); whole run: ${(run.durationMs / 1000).toFixed(0)} s`,
    `- ports: ${run.portsText}`,
    '',
    '## Samples',
    '',
    ordered.map((f) => samplesSection(f, results[f.id])).join('\n\n'),
    '',
    '## Warnings',
    '',
    run.warnings.length === 0 ? 'None: every tool stopped everything it started.' : run.warnings.map((w) => `- ${w}`).join('\n'),
    '',
    '## Methodology',
    '',
    ...run.notes.map((n) => `- ${n}`),
    '',
    ...ordered.map((f) => `**${f.number}. ${f.title}.** ${f.method} Aim: ${f.aim.text}.\n`),
    ''
  ].join('\n')
}
