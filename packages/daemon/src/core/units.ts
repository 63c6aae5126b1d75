// Parses the human units of the CLI and config files ("100ms", "10s", "5m", "8"), once, at the boundary.
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/

const DURATION_FACTORS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** A duration in ms from a number (already ms) or a string with an optional unit; undefined when invalid. */
export function parseDurationMs (value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined
  const m = DURATION.exec(value.trim())
  if (m === null) return undefined
  return Math.round(Number(m[1]) * (DURATION_FACTORS[m[2] ?? 'ms'] ?? 1))
}

/** A non-negative integer from a number or a decimal string; undefined when invalid. */
export function parseCount (value: number | string): number | undefined {
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

const BYTES = /^(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb)?$/i
const BYTE_FACTORS: Readonly<Record<string, number>> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 }

/** A size in bytes from a number (bytes) or a string with K/M/G suffix ("150M"); undefined when invalid. */
export function parseBytes (value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined
  const m = BYTES.exec(value.trim())
  if (m === null) return undefined
  const n = Math.round(Number(m[1]) * (BYTE_FACTORS[(m[2] ?? 'b').toLowerCase()] ?? 1))
  return Number.isSafeInteger(n) ? n : undefined
}
