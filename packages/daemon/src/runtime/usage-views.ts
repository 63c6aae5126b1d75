// Resource rules and usage in the API's views: the spec's rule fields, cpu/memory on workers, the samples of an app.
import type { AppSamples, AppSpecView, AppView } from '@sup/protocol'
import type { ResourceRules } from '../core/resource-rules.ts'
import { rulesOf } from '../core/resource-rules.ts'
import type { SampleTarget, UsageMonitor } from './usage-monitor.ts'

type RuleFields = Pick<AppSpecView, 'maxMemory' | 'maxCpu' | 'over' | 'sampleIntervalMs' | 'cronRestart'>

/** The rule fields of a spec view. */
export function rulesView (s: ResourceRules): RuleFields {
  return { maxMemory: s.maxMemory, maxCpu: s.maxCpu, over: { ...s.over }, sampleIntervalMs: s.sampleIntervalMs, cronRestart: s.cronRestart }
}

/** The rules back from a spec view (fields absent on an older daemon's view take the defaults). */
export function rulesFromView (v: AppSpecView): ResourceRules {
  return rulesOf({
    maxMemory: v.maxMemory ?? null,
    maxCpu: v.maxCpu ?? null,
    ...(v.over === undefined ? {} : { over: v.over }),
    ...(v.sampleIntervalMs === undefined ? {} : { sampleIntervalMs: v.sampleIntervalMs }),
    cronRestart: v.cronRestart ?? null
  })
}

/** Every online worker with a pid, with its app's rules. */
export function sampleTargets (apps: readonly AppView[]): SampleTarget[] {
  const out: SampleTarget[] = []
  for (const app of apps) {
    const rules = rulesFromView(app.spec)
    for (const w of app.workers) if (w.state === 'online' && w.pid !== null) out.push({ app: app.name, instance: w.instance, pid: w.pid, rules })
  }
  return out
}

/** The view with each running worker's latest cpu % and memory (when sampled). */
export function withUsage (app: AppView, monitor: Pick<UsageMonitor, 'latest'>): AppView {
  return {
    ...app,
    workers: app.workers.map((w) => {
      const s = monitor.latest(app.name, w.instance, w.pid)
      return s === null ? w : { ...w, cpu: s.cpu, memory: s.memory }
    })
  }
}

/** GET /apps/:app/samples: the last minute of each current worker. */
export function appSamples (app: AppView, monitor: Pick<UsageMonitor, 'history'>): AppSamples {
  const history = monitor.history(app.name)
  return {
    app: app.name,
    intervalMs: rulesFromView(app.spec).sampleIntervalMs,
    workers: app.workers.map((w) => {
      const h = history.get(w.instance)
      return { instance: w.instance, pid: w.pid, samples: h === undefined ? [] : h.samples }
    })
  }
}
