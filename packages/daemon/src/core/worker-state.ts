// A worker's observed state as data: shared by the state machine, the restart policy and the ports (no logic here).
export type WorkerState = 'starting' | 'online' | 'backoff' | 'stopping' | 'stopped' | 'errored' | 'exited'

export interface ExitInfo { readonly code: number | null; readonly signal: string | null }

export interface WorkerSnapshot {
  readonly state: WorkerState
  readonly pid: number | null
  /** Consecutive restarts since the last stable run; drives the backoff delay. */
  readonly attempt: number
  /** Automatic restarts over the worker's life (shown as "restarts"). */
  readonly restarts: number
  /** Monotonic times of the restarts inside the flapping window. */
  readonly restartTimes: readonly number[]
  readonly lastExit: ExitInfo | null
}
