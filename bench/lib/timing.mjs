// Monotonic timing and the small statistics every figure reports (median first).
import { performance } from 'node:perf_hooks'
import { setTimeout as sleepMs } from 'node:timers/promises'

/** Monotonic milliseconds (fractional). Never Date.now() for durations. */
export const now = () => performance.now()

/** Resolves after `ms`. */
export const sleep = (ms) => sleepMs(ms)

/** Median of a list of numbers (mean of the two middle values for even counts). */
export function median (values) {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** { n, median, min, max } of the samples, or n: 0 when there are none. */
export function summarize (samples) {
  if (samples.length === 0) return { n: 0, median: NaN, min: NaN, max: NaN }
  return { n: samples.length, median: median(samples), min: Math.min(...samples), max: Math.max(...samples) }
}

/** A point in monotonic time `ms` from now; pass it around instead of durations. */
export const deadlineIn = (ms) => now() + ms

/** Throws a labelled error when the deadline has passed. */
export function checkDeadline (deadline, what) {
  if (now() > deadline) throw new Error(`timed out: ${what}`)
}
