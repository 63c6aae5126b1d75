// The pieces every part of the supervisor shares (registry, queue, events, upstream), built once per daemon.
import type { AppView } from '@sup/protocol'
import type { StoredWorker } from '../core/ports.ts'
import { toAppView } from './app-view.ts'
import { createAppQueue, type AppQueue } from './app-queue.ts'
import { createAppRegistry, type AppRegistry } from './app-registry.ts'
import { createEventFeed, type EventFeed } from './event-feed.ts'
import type { AppEntry, SupervisorDeps } from './supervisor-types.ts'
import { createUpstreamSync, type UpstreamSync } from './upstream-sync.ts'
import { createWorkerRunner, type RunnerDeps, type WorkerRunner } from './worker-runner.ts'

/** What a worker asks of the supervisor: a replacement when its health check keeps failing. */
export interface WorkerHooks {
  onUnhealthy (app: string, instance: number, failures: number, pid: number | null): void
}

export interface AppContext {
  readonly deps: SupervisorDeps
  readonly registry: AppRegistry
  readonly queue: AppQueue
  readonly events: EventFeed
  readonly upstream: UpstreamSync
  readonly runnerDeps: RunnerDeps
  /** The API's view of an app (its stored workers' records). */
  view (e: AppEntry): AppView
  /** Creates the runner of a stored worker and puts it in the app's runners. */
  addRunner (e: AppEntry, w: StoredWorker): WorkerRunner
}

/** `hooks` is read when a worker calls it (the supervisor sets it once its parts exist). */
export function createAppContext (deps: SupervisorDeps, hooks: WorkerHooks): AppContext {
  const registry = createAppRegistry(deps.store, deps.onError)
  const events = createEventFeed(deps)
  const upstream = createUpstreamSync({ clock: deps.clock, registry, writer: deps.publisher, onError: deps.onError })
  const runnerDeps: RunnerDeps = {
    ...deps,
    onEvent: (e) => { events.emitEvent(e); if (e.instance !== null) void upstream.syncUpstream(e.app) },
    onServingChange: (app) => { void upstream.syncUpstream(app) },
    onUnhealthy: (app, instance, failures, pid) => hooks.onUnhealthy(app, instance, failures, pid)
  }
  return {
    deps,
    registry,
    queue: createAppQueue(registry, events),
    events,
    upstream,
    runnerDeps,
    view: (e) => {
      const retryAt = new Map<number, number>()
      for (const r of e.runners.values()) { const at = r.retryAt(); if (at !== null) retryAt.set(r.instance, at) }
      return toAppView(e.spec, e.desired, [...e.runners.values()].map((r) => r.record()), deps.publisher.lastError?.(e.spec.name) ?? null, e.replacements.size, retryAt)
    },
    addRunner (e, w) {
      const r = createWorkerRunner(runnerDeps, e.spec, w)
      e.runners.set(w.instance, r)
      return r
    }
  }
}
