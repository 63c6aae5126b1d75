// Formatting for people: uptimes, durations, times and worker states in colour (off for NO_COLOR or a non-TTY).
import pc from 'picocolors'

export type Colors = ReturnType<typeof pc.createColors>

export { shouldColor } from './color-choice.ts'

/** picocolors' formatters, switched on or off once. */
export function createPalette (enabled: boolean): Colors {
  return pc.createColors(enabled)
}

/** A coarse uptime: `3s`, `5m`, `2h`, `4d` (truncated; negative clock skew shows `0s`). */
export function formatUptime (ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  if (s < 86_400) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86_400)}d`
}

/** An exact duration in the largest unit that divides it: `100ms`, `10s`, `5m`, `1h`, `0`. */
export function formatDurationMs (ms: number): string {
  if (ms === 0) return '0'
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

const two = (n: number): string => String(n).padStart(2, '0')

/** A local wall-clock time, `YYYY-MM-DD HH:MM:SS`, or `YYYY-MM-DD HH:MM:SS.mmm` with `ms`. */
export function formatTime (epochMs: number, ms = false): string {
  const d = new Date(epochMs)
  const s = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  return ms ? `${s}.${String(d.getMilliseconds()).padStart(3, '0')}` : s
}

/** A worker state coloured by health: online green, on its way yellow, failed red, stopped dim. */
export function colorState (state: string, c: Colors): string {
  switch (state) {
    case 'online': return c.green(state)
    case 'starting':
    case 'backoff':
    case 'stopping': return c.yellow(state)
    case 'errored':
    case 'exited': return c.red(state)
    case 'stopped': return c.dim(state)
    default: return state
  }
}
