// GET /metrics' text: valid Prometheus exposition, one registry per daemon, values from the app views.
import { describe, expect, it } from 'vitest'
import type { AppView } from '@sup/protocol'
import { createMetrics } from '../../../src/http/metrics.ts'
import { createLazyMetrics, PROMETHEUS_CONTENT_TYPE } from '../../../src/http/lazy-metrics.ts'
import { toAppView } from '../../../src/runtime/app-view.ts'
import { initialSnapshot } from '../../../src/core/worker-machine.ts'
import { makeSpec } from '../runtime/harness.ts'
import { parsePromText } from '../../../../../test/support/src/prom-text.ts'

const NOW = 1_700_000_100_000

function apps (): AppView[] {
  const spec = makeSpec({ instances: 2 })
  const view = toAppView(spec, 'running', [
    { app: 'api', instance: 0, snapshot: { ...initialSnapshot(), state: 'online', pid: 11, restarts: 3 }, port: 8000, marker: 'm', pidStartTime: 1, startedAt: NOW - 90_000 },
    { app: 'api', instance: 1, snapshot: { ...initialSnapshot(), state: 'backoff', restarts: 7 }, port: 8001, marker: null, pidStartTime: null, startedAt: null }
  ])
  view.workers[0] = { ...view.workers[0]!, cpu: 12.5, memory: 50 * 1024 * 1024 }
  return [view]
}

describe('createMetrics', () => {
  it('exposes workers, apps and the daemon itself as strictly valid Prometheus text', async () => {
    const m = createMetrics({ apps, wallNow: () => NOW })
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/)
    const { families, samples } = parsePromText(await m.text())
    const value = (name: string, labels: Record<string, string>): number | undefined =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
    expect(families.get('sup_worker_restarts')?.type ?? families.get('sup_worker_restarts_total')?.type).toBe('counter')
    expect(value('sup_worker_up', { app: 'api', instance: '0' })).toBe(1)
    expect(value('sup_worker_up', { app: 'api', instance: '1' })).toBe(0)
    expect(value('sup_worker_state', { app: 'api', instance: '1', state: 'backoff' })).toBe(1)
    expect(value('sup_worker_state', { app: 'api', instance: '1', state: 'online' })).toBe(0)
    expect(value('sup_worker_restarts_total', { app: 'api', instance: '0' })).toBe(3)
    expect(value('sup_worker_restarts_total', { app: 'api', instance: '1' })).toBe(7)
    expect(value('sup_worker_cpu_percent', { instance: '0' })).toBe(12.5)
    expect(value('sup_worker_memory_bytes', { instance: '0' })).toBe(50 * 1024 * 1024)
    expect(value('sup_worker_cpu_percent', { instance: '1' })).toBeUndefined()
    expect(value('sup_worker_uptime_seconds', { instance: '0' })).toBe(90)
    expect(value('sup_app_desired_workers', { app: 'api' })).toBe(2)
    expect(value('sup_app_online_workers', { app: 'api' })).toBe(1)
    expect(value('sup_daemon_process_resident_memory_bytes', {})).toBeGreaterThan(0)
    expect(families.has('sup_daemon_process_cpu_seconds_total')).toBe(true)
    expect(families.has('sup_daemon_nodejs_eventloop_lag_seconds')).toBe(true)
  })

  it('forgets an app once it is gone, and two daemons (registries) do not clash', async () => {
    let list = apps()
    const m = createMetrics({ apps: () => list, wallNow: () => NOW })
    const other = createMetrics({ apps: () => [], wallNow: () => NOW })
    expect(parsePromText(await m.text()).samples.some((s) => s.labels.app === 'api')).toBe(true)
    list = []
    expect(parsePromText(await m.text()).samples.some((s) => s.labels.app === 'api')).toBe(false)
    expect(parsePromText(await other.text()).samples.some((s) => s.labels.app === 'api')).toBe(false)
  })
})

describe('parsePromText', () => {
  it.each(['no_newline 1', 'x{a="1"} 1\n', '# TYPE x gauge\nx{a=1} 1\n', '# TYPE x gauge\nx one\n', '# TYPE x wrong\n'])('refuses %j', (text) => {
    expect(() => parsePromText(text)).toThrow()
  })
})

describe('createLazyMetrics', () => {
  it('says the content type prom-client does, and loads it for the first scrape only', async () => {
    expect(createMetrics({ apps, wallNow: () => NOW }).contentType).toBe(PROMETHEUS_CONTENT_TYPE)
    const lazy = createLazyMetrics({ apps, wallNow: () => NOW })
    const first = parsePromText(await lazy.text())
    expect(first.samples.find((x) => x.name === 'sup_worker_up')?.value).toBe(1)
    expect(parsePromText(await lazy.text()).families.size).toBe(first.families.size)
  })
})
