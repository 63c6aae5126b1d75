// App views: what the API shows; env values never leave the daemon, dead workers show no pid.
import { describe, expect, it } from 'vitest'
import { normalizeAppSpec } from '../../../src/core/app-spec.ts'
import { initialSnapshot, type WorkerState } from '../../../src/core/worker-machine.ts'
import type { StoredWorker } from '../../../src/core/ports.ts'
import { toAppView, toEventView } from '../../../src/runtime/app-view.ts'

const spec = normalizeAppSpec({ name: 'api', script: '/srv/server.js', instances: 2, env: { AWS_SECRET_ACCESS_KEY: 's3cr3t-value', NODE_ENV: 'production' } }, { portPool: { from: 8000, to: 8999 } })
const worker = (instance: number, state: WorkerState): StoredWorker => ({
  app: 'api', instance, port: 8000 + instance, marker: 'm', pidStartTime: 1, startedAt: 1_700_000_000_000,
  snapshot: { ...initialSnapshot(), state, pid: 4000 + instance, restarts: 2, lastExit: { code: 1, signal: null } }
})

describe('toAppView', () => {
  it('shows env keys, never env values', () => {
    const v = toAppView(spec, 'running', [])
    expect(v.spec.envKeys).toEqual(['AWS_SECRET_ACCESS_KEY', 'NODE_ENV'])
    expect(JSON.stringify(v)).not.toContain('s3cr3t-value')
    expect(JSON.stringify(v)).not.toContain('production')
  })

  it('sorts workers by instance and shows their port, restarts and last exit', () => {
    const v = toAppView(spec, 'running', [worker(1, 'online'), worker(0, 'online')])
    expect(v.workers.map((w) => w.instance)).toEqual([0, 1])
    expect(v.workers[0]).toMatchObject({ state: 'online', pid: 4000, port: 8000, restarts: 2, lastExit: { code: 1, signal: null }, startedAt: 1_700_000_000_000 })
  })

  it.each<[WorkerState, boolean]>([
    ['starting', true], ['online', true], ['stopping', true], ['backoff', false], ['stopped', false], ['errored', false], ['exited', false]
  ])('a %s worker shows its pid and start time: %s', (state, shown) => {
    const [w] = toAppView(spec, 'running', [worker(0, state)]).workers
    expect(w!.pid).toBe(shown ? 4000 : null)
    expect(w!.startedAt).toBe(shown ? 1_700_000_000_000 : null)
  })
})

describe('toEventView', () => {
  it('copies the data so the view cannot change the record', () => {
    const data = { code: 1 }
    const v = toEventView({ id: 1, time: 2, app: 'api', instance: 0, type: 'backoff', from: 'online', to: 'backoff', reason: 'r', data })
    expect(v.data).toEqual({ code: 1 })
    expect(v.data).not.toBe(data)
  })
})
