// The defaults of an app spec, with no imports: sup-logd and main.ts read them without loading the spec
// validator (and with it the resource rules and the cron parser). core/app-spec.ts re-exports them.

export const DEFAULT_TIMING = {
  restartDelayMs: 100,
  maxRestartDelayMs: 15_000,
  minUptimeMs: 10_000,
  maxRestarts: 10,
  restartWindowMs: 60_000,
  retryInMs: 300_000,
  listenTimeoutMs: 8_000,
  killTimeoutMs: 5_000
} as const

export const DEFAULT_HEALTH = { intervalMs: 5_000, timeoutMs: 2_000, failures: 3 } as const
export const DEFAULT_DRAIN_MS = 1_000

export const DEFAULT_LOGS = { maxSize: 10 * 1024 * 1024, files: 5, minSize: 64 * 1024, maxFiles: 100 } as const

/** The daemon's port pool and daemon.log level when no setting names them (settings/schema.ts shows them). */
export const DEFAULT_PORT_POOL = '8000-8999'
export const DEFAULT_LOG_LEVEL = 'info'
