// Exponential backoff between consecutive restarts: 0, d, 2d, 4d ... capped, with a little jitter.
/** The part of an app's restart policy the delay depends on. */
export interface BackoffPolicy { readonly restartDelayMs: number; readonly maxRestartDelayMs: number }

/** Fraction of the delay that jitter may add or remove, so workers that crashed together do not restart in lockstep. */
export const JITTER = 0.1

/**
 * Delay before restart number `attempt` (0-based count of consecutive restarts since a stable run).
 * The first is immediate; then restartDelayMs doubling, never above maxRestartDelayMs.
 * `random` returns [0, 1); 0.5 means no jitter.
 */
export function backoffDelayMs (attempt: number, p: BackoffPolicy, random: () => number): number {
  if (attempt <= 0) return 0
  const base = p.restartDelayMs * 2 ** Math.min(attempt - 1, 30)
  const jittered = base * (1 + JITTER * (2 * random() - 1))
  return Math.round(Math.min(jittered, p.maxRestartDelayMs))
}
