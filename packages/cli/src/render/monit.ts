// `sup monit` frames: a table of every worker with CPU and memory, drawn over the last frame without flicker.
import type { AppView } from '@sup/protocol'
import type { Colors } from './format.ts'
import { colorState, formatTime, formatUptime } from './format.ts'
import { renderTable, type Column } from './table.ts'
import { formatBytes, formatCpu, totalCells } from './usage.ts'

const COLUMNS: readonly Column[] = [
  { header: 'app' }, { header: '#', align: 'right' }, { header: 'pid', align: 'right' }, { header: 'state' },
  { header: 'uptime', align: 'right' }, { header: 'restarts', align: 'right' }, { header: 'cpu', align: 'right' }, { header: 'mem', align: 'right' }
]

/** The lines of one frame: a title, the table (an app total under each app of several workers), and a footer. */
export function renderMonitFrame (apps: readonly AppView[], now: number, c: Colors, note = ''): string[] {
  const rows: string[][] = []
  for (const app of apps) {
    const workers = [...app.workers].sort((a, b) => a.instance - b.instance)
    for (const w of workers) {
      rows.push([app.name, String(w.instance), w.pid === null ? '-' : String(w.pid), colorState(w.state, c),
        w.startedAt === null ? '-' : formatUptime(now - w.startedAt), String(w.restarts), formatCpu(w.cpu), formatBytes(w.memory)])
    }
    if (workers.length > 1) {
      const online = workers.filter((w) => w.state === 'online').length
      rows.push([c.dim(app.name), c.dim('all'), '', c.dim(`${online}/${workers.length} online`), '', String(workers.reduce((n, w) => n + w.restarts, 0)), ...totalCells(workers)])
    }
  }
  const table = rows.length === 0 ? [c.dim('no apps yet: start one with `sup start app.js`')] : renderTable(COLUMNS, rows, { formatHeader: c.dim })
  return [`${c.bold('sup monit')}  ${c.dim(formatTime(now))}`, '', ...table, '', c.dim(note === '' ? 'q or Ctrl-C to quit' : note)]
}

/** ANSI: cursor home, each line then erase-to-end-of-line, then erase below: the old frame is overwritten, never cleared first. */
export function frameToAnsi (lines: readonly string[]): string {
  return `\u001b[H${lines.map((l) => `${l}\u001b[K`).join('\n')}\u001b[J`
}

/** Enter the alternate screen and hide the cursor; `LEAVE_SCREEN` restores both. */
export const ENTER_SCREEN = '\u001b[?1049h\u001b[?25l'
export const LEAVE_SCREEN = '\u001b[?25h\u001b[?1049l'
