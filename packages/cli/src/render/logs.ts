// `sup logs` lines for people: a stable coloured `app:i |` prefix, and the app's text made safe for a terminal.
import type { EventView, LogRecord } from '@sup/protocol'
import { colorState, formatTime, type Colors } from './format.ts'

type ColorName = 'cyan' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyanBright' | 'greenBright' | 'yellowBright' | 'blueBright' | 'magentaBright'
/** Red is left out: it means stderr and failures. */
const WORKER_COLORS: readonly ColorName[] = ['cyan', 'green', 'yellow', 'blue', 'magenta', 'cyanBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright']

/** The same colour for the same `app:i` in every run (FNV-1a of the name), so a worker is recognisable at a glance. */
export function workerColor (key: string): ColorName {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0
  return WORKER_COLORS[h % WORKER_COLORS.length] ?? 'cyan'
}

/** C0 and C1 controls but tab, DEL, and bidi overrides (which can reorder what the terminal shows). */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\u001b': '\\e' }

/** A colour (SGR) sequence: ESC [ digits and semicolons m. It sets colours and styles only; it cannot move the cursor. */
const SGR = /\u001b\[[0-9;]{0,32}m/y

/**
 * The line with every control character but tab shown escaped (`\e`, `\r`, `\x07`, `\u202e`): an app cannot drive
 * the terminal. `keepColour` (`sup logs --color-output`): colour sequences pass through as they are, nothing else.
 */
export function sanitizeLine (line: string, keepColour = false): string {
  return line.replace(UNSAFE, (ch, offset: number) => {
    if (keepColour && ch === '\u001b') { SGR.lastIndex = offset; if (SGR.test(line)) return ch }
    const code = ch.charCodeAt(0)
    return NAMED[ch] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`)
  })
}

/** How `sup logs` shows a record: `colour` lets colour sequences through, `time` starts each line with the time
 * sup-logd read it, `raw` prints the app's line alone (PM2's `--raw`: no `app:i |` prefix, for grep and pipes). */
export interface LogFormat { readonly colour?: boolean; readonly time?: boolean; readonly raw?: boolean }

/** Formats records one by one; prefixes are padded to the widest seen so far, so columns settle at once. */
export function createLogFormatter (c: Colors, format: LogFormat = {}) {
  let width = 0
  return (r: LogRecord): string => {
    // a CRLF line end (an app writing \r\n) is a line end: its \r is not shown on every line
    const text = sanitizeLine(r.line.endsWith('\r') ? r.line.slice(0, -1) : r.line, format.colour === true)
    const time = format.time === true ? `${c.dim(formatTime(r.time, true))} ` : ''
    if (format.raw === true) return `${time}${text}`
    const key = `${r.app}:${r.instance}`
    width = Math.max(width, key.length)
    const bar = r.stream === 'err' ? c.red('|') : r.stream === 'sup' ? c.dim('*') : c.dim('|')
    return `${time}${c[workerColor(key)](key.padEnd(width))} ${bar} ${r.stream === 'sup' ? c.dim(text) : text}`
  }
}

/** One event as a line, for `sup events --follow` (no table: the widths are not known in advance). */
export function renderEventLine (e: EventView, c: Colors): string {
  const who = e.instance === null ? e.app : `${e.app}:${e.instance}`
  const change = e.from !== null && e.to !== null ? `${e.from} -> ${colorState(e.to, c)}` : e.to === null ? '' : colorState(e.to, c)
  return [c.dim(formatTime(e.time)), c[workerColor(who)](who), e.type, change, sanitizeLine(e.reason)].filter((x) => x !== '').join('  ')
}
