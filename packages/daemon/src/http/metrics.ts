// GET /metrics: Prometheus text from prom-client, on a Registry of its own (never the global one).
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { AppView } from '@sup/protocol'
import { WORKER_STATES } from '@sup/protocol'

export interface MetricsDeps {
  /** The apps with cpu/memory on their workers. */
  readonly apps: () => AppView[]
  /** Wall-clock epoch ms (uptimes). */
  readonly wallNow: () => number
}

export interface Metrics {
  readonly contentType: string
  /** The exposition text of one scrape. */
  text (): Promise<string>
}

/** The metric families: per worker, per app, and the daemon's own process (CPU, memory, event-loop lag). */
export function createMetrics (deps: MetricsDeps): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'sup_daemon_' })
  const w = ['app', 'instance'] as const
  const registers = [registry]
  const up = new Gauge({ name: 'sup_worker_up', help: 'Whether the worker is online (1) or not (0).', labelNames: w, registers })
  const state = new Gauge({ name: 'sup_worker_state', help: 'The worker state: 1 for the current one, 0 for the others.', labelNames: [...w, 'state'], registers })
  const restarts = new Counter({ name: 'sup_worker_restarts_total', help: 'Restarts of the worker (as `sup list` shows them).', labelNames: w, registers })
  const cpu = new Gauge({ name: 'sup_worker_cpu_percent', help: 'CPU of the worker process tree, percent of one core, at the last sample.', labelNames: w, registers })
  const memory = new Gauge({ name: 'sup_worker_memory_bytes', help: 'Resident memory of the worker process tree at the last sample.', labelNames: w, registers })
  const uptime = new Gauge({ name: 'sup_worker_uptime_seconds', help: 'Seconds since the worker process started (0 when not running).', labelNames: w, registers })
  const desired = new Gauge({ name: 'sup_app_desired_workers', help: 'Workers the app should have running (0 when stopped).', labelNames: ['app'], registers })
  const online = new Gauge({ name: 'sup_app_online_workers', help: 'Workers of the app that are online.', labelNames: ['app'], registers })

  /** Sets every app/worker family from one snapshot (so a scrape is consistent and forgets deleted apps). */
  function refresh (): void {
    for (const m of [up, state, restarts, cpu, memory, uptime, desired, online]) m.reset()
    const now = deps.wallNow()
    for (const app of deps.apps()) {
      desired.set({ app: app.name }, app.desired === 'running' ? app.spec.instances : 0)
      online.set({ app: app.name }, app.workers.filter((x) => x.state === 'online').length)
      for (const x of app.workers) {
        const labels = { app: app.name, instance: String(x.instance) }
        up.set(labels, x.state === 'online' ? 1 : 0)
        for (const s of WORKER_STATES) state.set({ ...labels, state: s }, s === x.state ? 1 : 0)
        restarts.inc(labels, x.restarts)
        if (x.cpu !== undefined) cpu.set(labels, x.cpu)
        if (x.memory !== undefined) memory.set(labels, x.memory)
        uptime.set(labels, x.startedAt === null ? 0 : Math.max(0, (now - x.startedAt) / 1000))
      }
    }
  }

  return {
    contentType: registry.contentType,
    async text () {
      refresh()
      // prom-client prints a NaN (an event-loop histogram before its first sample) as `Nan`; the format says `NaN`
      return (await registry.metrics()).replace(/ Nan$/gm, ' NaN')
    }
  }
}
