// Every route that reads usage samples first what is stale (the daemon samples in the background only for rules and
// readers): `sup list`, `sup show`, a scrape and `sup show`'s samples see usage as of now, never a stale view.
import { describe, expect, it } from 'vitest'
import type { AppSamples, AppView } from '@sup/protocol'
import { buildServer } from '../../../src/http/server.ts'
import type { Supervisor } from '../../../src/runtime/supervisor.ts'
import { toAppView } from '../../../src/runtime/app-view.ts'
import { initialSnapshot } from '../../../src/core/worker-machine.ts'
import { makeSpec } from '../runtime/harness.ts'

/** A server whose usage is only there after fresh() ran: the calls are recorded in order. */
function serverWithUsage () {
  const calls: string[] = []
  let sampled = false
  const view = (): AppView => {
    calls.push('view')
    const v = toAppView(makeSpec({ instances: 1 }), 'running', [
      { app: 'api', instance: 0, snapshot: { ...initialSnapshot(), state: 'online', pid: 11 }, port: 8000, marker: 'm', pidStartTime: 1, startedAt: 1 }
    ])
    return sampled ? { ...v, workers: v.workers.map((w) => ({ ...w, cpu: 1.5, memory: 42 })) } : v
  }
  const supervisor = { listApps: () => [view()], getApp: () => view() } as unknown as Supervisor
  const server = buildServer({ checkAnswers: true,
    supervisor,
    version: '0.0.0',
    home: '/nonexistent',
    pid: 1,
    logger: false,
    logsDir: '/nonexistent/logs',
    nginxDir: '/nonexistent/nginx',
    servingPorts: () => [],
    eventsAfter: () => [],
    requestShutdown: () => undefined,
    usage: {
      fresh: async () => { calls.push('fresh'); await Promise.resolve(); sampled = true },
      metrics: { contentType: 'text/plain', text: async () => { calls.push('metrics'); return `memory ${sampled ? 42 : 0}\n` } },
      samples: (app): AppSamples => { calls.push('samples'); return { app, intervalMs: 1000, workers: [{ instance: 0, pid: 11, samples: sampled ? [{ time: 1, cpu: 1.5, memory: 42, pids: 1 }] : [] }] } }
    }
  })
  return { server, calls }
}

describe('usage routes', () => {
  it('GET /apps, GET /apps/:app, GET /metrics and GET /apps/:app/samples sample before they answer', async () => {
    for (const [url, reads] of [['/apps', 'view'], ['/apps/api', 'view'], ['/metrics', 'metrics'], ['/apps/api/samples', 'samples']] as const) {
      const { server, calls } = serverWithUsage()
      const res = await server.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(200)
      expect(calls, url).toEqual(['fresh', reads])
      expect(res.body, url).toContain('42')
      await server.close()
    }
  })
})
