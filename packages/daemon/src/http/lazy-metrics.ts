// GET /metrics without prom-client at start-up: it is loaded by the first scrape (about 12 MiB of RSS and
// 50 ms of start-up that a daemon nobody scrapes never pays). The event-loop lag histogram starts then too.
import type { Metrics, MetricsDeps } from './metrics.ts'

/** prom-client's Registry.PROMETHEUS_CONTENT_TYPE (text format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export function createLazyMetrics (deps: MetricsDeps): Metrics {
  let real: Promise<Metrics> | null = null
  const load = (): Promise<Metrics> => (real ??= import('./metrics.ts').then((m) => m.createMetrics(deps)))
  return { contentType: PROMETHEUS_CONTENT_TYPE, text: async () => (await load()).text() }
}
