// Types shared by the supervisor's parts (registry, commands, rollouts, boot) and the reload helpers: no code here.
import type { AppSpec } from '../core/app-spec.ts'
import type { PortRange } from '../core/port-allocator.ts'
import type { PortBroker } from './port-broker.ts'
import type { RunnerDeps, WorkerRunner } from './worker-runner.ts'

/** Writes an app's nginx upstream (adapters/nginx-upstream.ts); `publish` here is the nginx write, never event fan-out. */
export interface UpstreamWriter {
  publish (app: string, ports: readonly number[]): Promise<unknown>
  remove (app: string): Promise<unknown>
  lastError? (app: string): string | null
  readonly reloadsNginx?: boolean
  /** Boot: removes the files of apps not in `apps`; reloads nginx once (see core/ports.ts UpstreamPublisher). */
  reconcile? (apps: readonly string[]): Promise<string[]>
}

export interface SupervisorDeps extends Omit<RunnerDeps, 'onEvent' | 'broker' | 'onServingChange' | 'onUnhealthy'> {
  readonly broker: PortBroker
  readonly portPool: PortRange
  /** Log rotation of apps whose definition does not say (`sup config set logs.maxSize …`); DEFAULT_LOGS when absent. */
  readonly logDefaults?: { readonly maxSize: number; readonly files: number }
  readonly isFile: (path: string) => Promise<boolean>
  /** Has the execute bit for the daemon's user (absent in fake-filesystem tests: only existence is checked). */
  readonly isExecutable?: (path: string) => Promise<boolean>
  /** Removes a worker's output targets (FIFOs) once the worker is gone for good (delete, scale down). */
  readonly removeOutput: (app: string, instance: number) => void
  /** Keeps the nginx upstream of each app equal to its serving workers. */
  readonly publisher: UpstreamWriter
  /** Starts watching an app's files (`--watch`); onChange is debounced; returns a closer. */
  readonly watchApp: (spec: AppSpec, onChange: (path: string) => void, onReady: () => void) => () => Promise<void>
  /** The last lines a worker printed (for a failed reload's error). */
  readonly readTail: (app: string, instance: number, lines: number) => Promise<string>
  /** Stops processes of an earlier daemon life that carry this daemon's marker prefix, except those with a kept marker; `found` is boot's reading of them. */
  readonly reapStrays: (keepMarkers: ReadonlySet<string>, found: ReadonlyArray<{ pid: number; marker: string }>) => Promise<number>
}

/** One app as the daemon holds it. `id` tells a deleted and re-created app of the same name from the old one. */
export interface AppEntry {
  readonly id: number
  spec: AppSpec
  desired: 'running' | 'stopped'
  createdAt: number
  runners: Map<number, WorkerRunner>
  /** A reload's new workers, in the upstream once online, not yet in `runners` nor in the store. */
  replacements: Set<WorkerRunner>
}

