// The tables and definitions people see: `sup list`, `sup show`, `sup events`.
import type { AppView, EventView, WorkerView } from '@sup/protocol'
import { colorState, formatDurationMs, formatTime, formatUptime, type Colors } from './format.ts'
import { renderTable, type Column } from './table.ts'
import { describeRules, totalCells, usageCells } from './usage.ts'

const LIST_COLUMNS: readonly Column[] = [
  { header: 'app' }, { header: '#', align: 'right' }, { header: 'pid', align: 'right' }, { header: 'port', align: 'right' },
  { header: 'state' }, { header: 'uptime', align: 'right' }, { header: 'restarts', align: 'right' },
  { header: 'cpu', align: 'right' }, { header: 'mem', align: 'right' }
]

const dash = (value: number | null | undefined): string => value === null || value === undefined ? '-' : String(value)

/** The state, with when a worker in backoff (or errored) is tried again: `backoff (retry in 3s)`. */
function stateCell (w: WorkerView, now: number, c: Colors): string {
  const state = colorState(w.state, c)
  return w.retryAt === undefined ? state : `${state} ${c.dim(`(retry in ${formatUptime(Math.max(0, w.retryAt - now))})`)}`
}

function workerRow (app: string, w: WorkerView, now: number, c: Colors): string[] {
  const uptime = w.startedAt === null ? '-' : formatUptime(now - w.startedAt)
  return [app, String(w.instance), dash(w.pid), dash(w.port), stateCell(w, now, c), uptime, String(w.restarts), ...usageCells(w)]
}

/** One row per worker (apps without workers get one row), as `sup list` prints them. */
export function renderAppList (apps: readonly AppView[], now: number, c: Colors): string[] {
  const rows: string[][] = []
  for (const app of apps) {
    const workers = [...app.workers].sort((a, b) => a.instance - b.instance)
    if (workers.length === 0) rows.push([app.name, '-', '-', '-', colorState(app.desired, c), '-', '-'])
    for (const w of workers) rows.push(workerRow(app.name, w, now, c))
    if (workers.length > 1) rows.push([c.dim(app.name), c.dim('all'), '', '', '', '', String(workers.reduce((n, w) => n + w.restarts, 0)), ...totalCells(workers)])
  }
  return renderTable(LIST_COLUMNS, rows, { formatHeader: c.dim })
}

/** One app's workers as `sup list` rows (a deploy's answer has the workers, not the whole app). */
export function renderWorkers (app: string, workers: readonly WorkerView[], now: number, c: Colors): string[] {
  const rows = [...workers].sort((a, b) => a.instance - b.instance).map((w) => workerRow(app, w, now, c))
  return renderTable(LIST_COLUMNS, rows, { formatHeader: c.dim })
}

const EVENT_COLUMNS: readonly Column[] = [
  { header: 'time' }, { header: 'app' }, { header: '#', align: 'right' }, { header: 'event' }, { header: 'change' }, { header: 'reason' }
]

/** Events oldest first, one line each: `from -> to` for state changes. */
export function renderEvents (events: readonly EventView[], c: Colors): string[] {
  const rows = events.map((e) => [
    formatTime(e.time),
    e.app,
    dash(e.instance),
    e.type,
    e.from !== null && e.to !== null ? `${e.from} -> ${colorState(e.to, c)}` : e.to === null ? '' : colorState(e.to, c),
    e.reason
  ])
  return renderTable(EVENT_COLUMNS, rows, { formatHeader: c.dim })
}

/** When a new worker counts as ready (the daemon's worker-runner decides it the same way). */
function readiness (s: AppView['spec']): string {
  if (s.waitReady) return `process.send('ready') within ${formatDurationMs(s.listenTimeoutMs)}`
  if (s.hasPort === false) return `stays up ${formatDurationMs(s.readyAfterMs ?? 0)}`
  return `port accepts a connection within ${formatDurationMs(s.listenTimeoutMs)}`
}

/** The definition of an app as `key  value` lines, durations in human units. */
export function renderDefinition (app: AppView, c: Colors): string[] {
  const s = app.spec
  const ms = formatDurationMs
  const pairs: [string, string][] = [
    ['app', `${app.name} ${c.dim(`(desired: ${app.desired})`)}`],
    ['script', s.script],
    ...(s.interpreter === undefined || s.interpreter === null ? [] : [['interpreter', s.interpreter] as [string, string]]),
    ['args', s.args.length === 0 ? '-' : s.args.map((a) => JSON.stringify(a)).join(' ')],
    ['cwd', s.cwd],
    ['instances', String(s.instances)],
    ['ports', s.hasPort === false ? '- (no port: --no-port)' : `${s.portRange.from}-${s.portRange.to}`],
    ['env', s.envKeys.length === 0 ? '-' : s.envKeys.join(', ')],
    ['restart', `${s.restart}, delay ${ms(s.restartDelayMs)} doubling up to ${ms(s.maxRestartDelayMs)}, reset after ${ms(s.minUptimeMs)} up`],
    ['flapping', `${s.maxRestarts} restarts in ${ms(s.restartWindowMs)} -> errored, retried after ${ms(s.retryInMs)}`],
    ['ready', readiness(s)],
    ['stop', `${s.killSignal}, then SIGKILL after ${ms(s.killTimeoutMs)}`],
    ['health', s.health === null ? '-' : `GET ${s.health.path} every ${ms(s.health.intervalMs)}, timeout ${ms(s.health.timeoutMs)}, replaced after ${s.health.failures} failures`],
    ['rules', describeRules(s)],
    ['reload', `drain ${ms(s.drainMs)}${s.watch === null ? '' : `, on changes in ${s.watch.join(', ')}`}`],
    ...(app.nginxError === undefined || app.nginxError === null ? [] : [['nginx', c.red(app.nginxError)] as [string, string]])
  ]
  const width = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${c.dim(k.padEnd(width))}  ${v}`)
}

/** `sup show`: the definition, the workers table and the recent events. */
export function renderAppDetail (app: AppView, events: readonly EventView[], now: number, c: Colors): string[] {
  return [
    ...renderDefinition(app, c),
    '',
    c.bold('workers'),
    ...(app.workers.length === 0 ? [c.dim('(none)')] : renderAppList([app], now, c)),
    '',
    c.bold('recent events'),
    ...(events.length === 0 ? [c.dim('(none)')] : renderEvents(events, c))
  ]
}
