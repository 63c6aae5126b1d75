// The ports through which the runtime touches the world; adapters implement them, tests fake them.
import type { AppSpec } from './app-spec.ts'
import type { Listener } from './not-ready.ts'
import type { ExitInfo, WorkerSnapshot } from './worker-state.ts'

/** Time. `now()` is monotonic (durations, timers); `wallNow()` is epoch ms, only for display and records. */
export interface Clock {
  now (): number
  wallNow (): number
  /** Calls fn once after ms; returns a function that cancels it. */
  setTimer (ms: number, fn: () => void): () => void
}

/** Everything needed to start one worker process. */
export interface SpawnSpec {
  readonly app: string
  readonly instance: number
  /** The executable (`process.execPath` for .js/.mjs/.cjs scripts) and its arguments. */
  readonly command: string
  readonly args: readonly string[]
  readonly cwd: string
  /** The complete environment of the worker (the daemon's own env is NOT inherited beyond this). */
  readonly env: Readonly<Record<string, string>>
  /** Value of SUP_MARKER in the worker's env: recognises the worker and all its descendants in /proc. */
  readonly marker: string
  /** Where the worker's stdout goes: its FIFO (docs/logs.md), opened read-write and handed to the child; or a plain file, appended. */
  readonly stdoutPath: string
  /** Where the worker's stderr goes (may equal stdoutPath). */
  readonly stderrPath: string
  /** Open an IPC channel (for `process.send('ready')` with --wait-ready). */
  readonly ipc: boolean
}

/** How a process ended. `error` is set when it could not be spawned at all. */
export interface ExitResult extends ExitInfo { readonly error?: string }

/** One spawned worker process and its process tree. */
export interface WorkerProcess {
  /** undefined when the spawn failed (then `exited` resolves with `error`). */
  readonly pid: number | undefined
  /** Always resolves (never rejects) once the main process has ended. */
  readonly exited: Promise<ExitResult>
  /** Signals the process group and every process carrying the marker (detached grandchildren included). */
  signalTree (signal: string): void
  /** Resolves once no process of the tree is left (main, group, marked), SIGKILLing stragglers after graceMs. */
  waitTreeGone (graceMs: number): Promise<void>
  /** Registers a listener for IPC messages from the worker (only when spawned with ipc). */
  onMessage (fn: (message: unknown) => void): void
}

export interface Spawner {
  spawn (spec: SpawnSpec): WorkerProcess
  /** Takes over a worker an earlier daemon started (verified by pid + start time + marker by the caller). */
  adopt (pid: number, marker: string, startTime: number): WorkerProcess
}

/** Host port checks. */
export interface PortProbe {
  /** True when nothing on the host listens on the port (checked by binding it). */
  isFree (port: number): Promise<boolean>
  /** Resolves when the port accepts a TCP connection on loopback; rejects with AbortError when aborted. */
  waitAccepting (port: number, signal: AbortSignal): Promise<void>
  /**
   * The connections some ports have now (absent: unknown). A reload waits until the old workers' ports have no live
   * connection and no new one for a while before stopping them: nginx workers still on the old upstream use them.
   */
  portActivity? (ports: readonly number[]): Promise<PortActivity>
  /** The pids of the nginx workers holding a connection to one of `ports` now (absent or empty: unknown). */
  nginxWorkersUsing? (ports: readonly number[]): Promise<number[]>
  /** What the process `pid` and its descendants listen on now (absent or null: unknown): why a worker is not ready. */
  listeners? (pid: number): Promise<Listener[] | null>
}

/** Live connections (`open`) and the identity of every recent connection (`keys`, TIME_WAIT ones too) of some ports. */
export interface PortActivity { open: number; readonly keys: Set<string> }

/** What sup persists about an app: its desired state. */
export interface StoredApp {
  readonly name: string
  readonly spec: AppSpec
  readonly desired: 'running' | 'stopped'
  readonly createdAt: number
}

/** What sup persists about a worker: its observed state. */
export interface StoredWorker {
  readonly app: string
  readonly instance: number
  readonly snapshot: WorkerSnapshot
  readonly port: number | null
  /** Marker of the current process (see SpawnSpec.marker), null when none runs. */
  readonly marker: string | null
  /** /proc start time (clock ticks since boot) of `snapshot.pid`: pid + start time identify a process. */
  readonly pidStartTime: number | null
  /** Wall-clock ms when the current process started. */
  readonly startedAt: number | null
}

export interface EventInput {
  readonly time: number
  readonly app: string
  readonly instance: number | null
  readonly type: string
  readonly from: string | null
  readonly to: string | null
  readonly reason: string
  readonly data: Readonly<Record<string, unknown>> | null
}

export interface EventRecord extends EventInput { readonly id: number }

/** The source of truth. Every write is synchronous and throws SUP_ERR_STATE_WRITE when it cannot be made. */
export interface StateStore {
  listApps (): StoredApp[]
  /** Inserts an app and its workers atomically; throws SUP_ERR_APP_EXISTS when the name is taken. */
  createApp (app: StoredApp, workers: readonly StoredWorker[]): void
  saveApp (app: StoredApp): void
  /** Deletes an app, its workers (events are kept). */
  deleteApp (name: string): void
  listWorkers (app?: string): StoredWorker[]
  saveWorker (w: StoredWorker): void
  deleteWorker (app: string, instance: number): void
  addEvent (e: EventInput): EventRecord
  listEvents (q: { app?: string | undefined; limit: number; afterId?: number | undefined }): EventRecord[]
  /** The FIRST `limit` events with an id above `afterId`, oldest first: for followers (any process may add events). */
  listEventsAfter (q: { afterId: number; limit: number; app?: string | undefined }): EventRecord[]
  close (): void
}

/** Reads /proc: used to recognise processes of an earlier daemon life. */
export interface ProcessTable {
  /** Start time of a live (non-zombie) pid in clock ticks since boot, or null when gone. */
  startTime (pid: number): number | null
  /** Pids of live processes whose SUP_MARKER starts with `prefix`, with their marker (the daemon's strays and adoptees). */
  findMarked (prefix: string): Array<{ pid: number; marker: string }>
}

/** The outcome of one upstream write: `ok: false` when nginx refused it (test or reload); never a rejection. */
export type PublishResult = { readonly ok: true } | { readonly ok: false; readonly error: string }

/** Keeps nginx's upstream of each app equal to the ports the runtime says serve (adapters/nginx-upstream.ts). */
export interface UpstreamPublisher {
  /** Debounced per app; resolves once a write that includes this call is done (and nginx tested and reloaded). */
  publish (app: string, ports: readonly number[]): Promise<PublishResult>
  /** The app is gone: its upstream file is deleted (or left as a `down` placeholder while a server block still uses it). */
  remove (app: string): Promise<PublishResult>
  /** The last failure for this app (write, test or reload), null once a later publish succeeded: for `sup show`. */
  lastError (app: string): string | null
  /** Whether a publish ends with an nginx reload (a reload command is configured): worth waiting for. */
  readonly reloadsNginx: boolean
  /**
   * Boot: removes the upstream file of every app not in `apps` (a daemon that died between deleting an app and
   * removing its file left it) and, when a reload command is set, reloads nginx once even if no file changed.
   * Resolves with the apps whose files were removed.
   */
  reconcile? (apps: readonly string[]): Promise<string[]>
}

/** CPU and memory of one worker's process tree (the worker and all its descendants) at one sample. */
export interface TreeUsage {
  /** Percent of one core over the time since the previous sample of these pids (200 = two cores). */
  readonly cpu: number
  /** Resident set size, bytes, summed over the tree. */
  readonly memory: number
  /** How many processes the tree had. */
  readonly pids: number
}

/** Samples process trees (adapters/proc-sampler.ts); one call per tick for every worker. */
export interface UsageSampler {
  /** Usage of each root's tree; a root that is gone is missing from the answer. Never rejects. */
  sample (roots: readonly number[]): Promise<Map<number, TreeUsage>>
}
