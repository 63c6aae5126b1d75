// `sup list`, `sup show` and `sup events` as people see them (colour off).
import type { AppView, EventView } from '@sup/protocol'
import { describe, expect, it } from 'vitest'
import { createPalette } from '../../src/render/format.ts'
import { renderAppDetail, renderAppList, renderEvents } from '../../src/render/views.ts'

const c = createPalette(false)
const NOW = 1_700_000_000_000

const spec: AppView['spec'] = {
  name: 'api', script: '/srv/api/server.js', args: [], cwd: '/srv/api', instances: 2, portRange: { from: 8000, to: 8004 },
  envKeys: ['NODE_ENV'], restart: 'always', restartDelayMs: 100, maxRestartDelayMs: 15_000, minUptimeMs: 10_000, maxRestarts: 10,
  restartWindowMs: 60_000, retryInMs: 300_000, listenTimeoutMs: 8_000, killTimeoutMs: 5_000, killSignal: 'SIGTERM', waitReady: false,
  logMaxSize: 10_485_760, logFiles: 5, health: null, drainMs: 1_000, watch: null, watchIgnore: []
}

const api: AppView = {
  name: 'api',
  desired: 'running',
  spec,
  workers: [
    { app: 'api', instance: 1, state: 'backoff', pid: null, port: 8001, restarts: 12, startedAt: null, lastExit: { code: 1, signal: null } },
    { app: 'api', instance: 0, state: 'online', pid: 4242, port: 8000, restarts: 0, startedAt: NOW - 3 * 3_600_000, lastExit: null, cpu: 12.34, memory: 52_428_800 }
  ]
}
const idle: AppView = { name: 'idle', desired: 'stopped', spec: { ...spec, name: 'idle' }, workers: [] }

describe('renderAppList', () => {
  it('prints one row per worker, sorted by instance, and a row for an app without workers', () => {
    expect(renderAppList([api, idle], NOW, c)).toEqual([
      'app     #   pid  port  state    uptime  restarts    cpu    mem',
      'api     0  4242  8000  online       3h         0  12.3%  50.0M',
      'api     1     -  8001  backoff       -        12      -      -',
      'api   all                                     12  12.3%  50.0M',
      'idle    -     -     -  stopped       -         -'
    ])
  })

  it('says when a worker in backoff is tried again', () => {
    const retrying: AppView = { ...api, workers: [{ app: 'api', instance: 1, state: 'backoff', pid: null, port: 8001, restarts: 12, startedAt: null, lastExit: { code: 1, signal: null }, retryAt: NOW + 3_200 }] }
    expect(renderAppList([retrying], NOW, c)[1]).toMatch(/^api\s+1\s+-\s+8001\s+backoff \(retry in 3s\)\s+-\s+12/)
  })
})

const events: EventView[] = [
  { id: 1, time: new Date(2024, 4, 6, 7, 8, 9).getTime(), app: 'api', instance: 1, type: 'state', from: 'online', to: 'backoff', reason: 'exited with code 1', data: null },
  { id: 2, time: new Date(2024, 4, 6, 7, 8, 10).getTime(), app: 'api', instance: null, type: 'app-started', from: null, to: null, reason: 'sup start', data: null }
]

describe('renderEvents', () => {
  it('prints time, app, instance, type, change and reason', () => {
    expect(renderEvents(events, c)).toEqual([
      'time                 app  #  event        change             reason',
      '2024-05-06 07:08:09  api  1  state        online -> backoff  exited with code 1',
      '2024-05-06 07:08:10  api  -  app-started                     sup start'
    ])
  })
})

describe('renderAppDetail', () => {
  it('prints the definition, the workers and the recent events', () => {
    const text = renderAppDetail(api, events, NOW, c).join('\n')
    expect(text).toContain('script     /srv/api/server.js')
    expect(text).toContain('ports      8000-8004')
    expect(text).toContain('env        NODE_ENV')
    expect(text).toContain('restart    always, delay 100ms doubling up to 15s, reset after 10s up')
    expect(text).toContain('flapping   10 restarts in 1m -> errored, retried after 5m')
    expect(text).toContain('stop       SIGTERM, then SIGKILL after 5s')
    expect(text).toContain('api    0  4242  8000  online       3h         0  12.3%  50.0M')
    expect(text).toContain('rules      -')
    expect(text).toContain('online -> backoff')
  })

  it('prints the health check, the drain and a failed nginx publish', () => {
    const checked: AppView = { ...api, spec: { ...spec, health: { path: '/healthz', intervalMs: 5_000, timeoutMs: 2_000, failures: 3 }, watch: ['/srv/api'] }, nginxError: 'nginx test failed, the last good upstream was kept: boom' }
    const text = renderAppDetail(checked, [], NOW, c).join('\n')
    expect(text).toContain('health     GET /healthz every 5s, timeout 2s, replaced after 3 failures')
    expect(text).toContain('reload     drain 1s, on changes in /srv/api')
    expect(text).toContain('nginx      nginx test failed, the last good upstream was kept: boom')
    const ruled: AppView = { ...api, spec: { ...spec, maxMemory: 150 * 1024 * 1024, maxCpu: 50, over: { count: 3, of: 5 }, cronRestart: '0 3 * * *' } }
    expect(renderAppDetail(ruled, [], NOW, c).join('\n')).toContain('rules      memory > 150.0M in 3 of 5 samples, cpu > 50% in 3 of 5 samples, rolling restart at "0 3 * * *"')
    expect(renderAppDetail(api, [], NOW, c).join('\n')).not.toMatch(/^nginx/m)
  })

  it('a worker without a port: no port range, ready once it stayed up; the interpreter it runs with', () => {
    const queue: AppView = { ...idle, spec: { ...spec, hasPort: false, readyAfterMs: 1_000, interpreter: '/usr/bin/python3' } }
    const text = renderAppDetail(queue, [], NOW, c).join('\n')
    expect(text).toContain('ports        - (no port: --no-port)')
    expect(text).toContain('ready        stays up 1s')
    expect(text).toContain('interpreter  /usr/bin/python3')
    expect(text).not.toContain('port accepts a connection')
    const waits: AppView = { ...idle, spec: { ...spec, hasPort: false, readyAfterMs: 1_000, waitReady: true } }
    expect(renderAppDetail(waits, [], NOW, c).join('\n')).toContain("ready      process.send('ready') within 8s")
  })

  it('says (none) for no workers and no events', () => {
    const lines = renderAppDetail(idle, [], NOW, c)
    expect(lines.filter((l) => l === '(none)')).toHaveLength(2)
  })
})
