// Periodic HTTP health checks of one online worker (Monit's `if failed port ... then restart`).
import type { HealthCheck } from '../core/app-spec.ts'
import type { Clock } from '../core/ports.ts'

/** GET http://127.0.0.1:<port><path>: true on a 2xx/3xx answer within timeoutMs. */
export type HttpCheck = (port: number, path: string, timeoutMs: number) => Promise<boolean>

export interface HealthListener {
  /** The worker went from passing to failing or back: it leaves or rejoins the upstream at once. */
  changed (healthy: boolean, failures: number): void
  /** `failures` checks in a row failed: time to replace the worker. Fired once per failing streak. */
  exhausted (failures: number): void
}

/** Starts checking every intervalMs; returns a function that stops (no check runs after it). */
export function startHealthChecks (clock: Clock, check: HttpCheck, spec: HealthCheck, port: number, on: HealthListener): () => void {
  let stopped = false
  let cancel: () => void = () => undefined
  let failures = 0
  let healthy = true
  let fired = false
  const tick = async (): Promise<void> => {
    const ok = await check(port, spec.path, spec.timeoutMs).catch(() => false)
    if (stopped) return
    if (ok) {
      failures = 0
      fired = false
      if (!healthy) { healthy = true; on.changed(true, 0) }
    } else {
      failures++
      if (healthy) { healthy = false; on.changed(false, failures) }
      if (failures >= spec.failures && !fired) { fired = true; on.exhausted(failures) }
    }
    if (!stopped) cancel = clock.setTimer(spec.intervalMs, () => { void tick() })
  }
  cancel = clock.setTimer(spec.intervalMs, () => { void tick() })
  return () => { stopped = true; cancel() }
}
