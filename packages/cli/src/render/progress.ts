// The upload progress line of `sup deploy` on a terminal: only for uploads past a few MB, redrawn at most every 200 ms.

/** Below this many bytes sent no progress is shown: small uploads finish before anyone reads a line. */
export const PROGRESS_MIN_BYTES = 4 * 1024 * 1024
/** The line is redrawn at most this often. */
export const PROGRESS_INTERVAL_MS = 200

/** `1.2 MB`, `340 kB`, `512 B` (powers of 1000, as network tools count). */
export function formatBytes (n: number): string {
  if (n < 1000) return `${n} B`
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)} kB`
  if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)} MB`
  return `${(n / 1_000_000_000).toFixed(1)} GB`
}

export interface ProgressDeps {
  /** Monotonic milliseconds. */
  readonly now: () => number
  /** Writes raw text (no newline added) to the terminal. */
  readonly write: (text: string) => void
  readonly minBytes?: number
  readonly intervalMs?: number
  readonly label?: string
}

export interface ProgressLine {
  /** Bytes sent so far; draws when past the threshold and the interval. */
  update (sentBytes: number): void
  /** Clears the line if one was drawn (before the result is printed). */
  done (): void
}

/** A throttled, self-overwriting progress line (`\r` + clear to end of line). */
export function createProgressLine (deps: ProgressDeps): ProgressLine {
  const minBytes = deps.minBytes ?? PROGRESS_MIN_BYTES
  const intervalMs = deps.intervalMs ?? PROGRESS_INTERVAL_MS
  const label = deps.label ?? 'uploading'
  let drawnAt: number | null = null
  let started = 0
  return {
    update (sent) {
      if (sent < minBytes) return
      const t = deps.now()
      if (drawnAt === null) started = t
      else if (t - drawnAt < intervalMs) return
      drawnAt = t
      const secs = (t - started) / 1000
      const rate = secs > 0.5 ? ` (${formatBytes(Math.round(sent / secs))}/s)` : ''
      deps.write(`\r\u001b[2K${label} ${formatBytes(sent)}${rate}`)
    },
    done () {
      if (drawnAt !== null) deps.write('\r\u001b[2K')
      drawnAt = null
    }
  }
}
