// Shared wiring for runner and supervisor unit tests: fake clock, spawner, probe, store, process table.
import { expect, onTestFinished } from 'vitest'
import { normalizeAppSpec, type AppSpec, type AppSpecInput } from '../../../src/core/app-spec.ts'
import type { EventRecord, ProcessTable, StoredWorker } from '../../../src/core/ports.ts'
import { initialSnapshot } from '../../../src/core/worker-machine.ts'
import { createPortBroker } from '../../../src/runtime/port-broker.ts'
import { createWorkerRunner, type RunnerDeps } from '../../../src/runtime/worker-runner.ts'
import { createSupervisor } from '../../../src/runtime/supervisor.ts'
import { createFakeClock } from '../../../../../test/support/src/fake-clock.ts'
import { createFakeSpawner } from '../../../../../test/support/src/fake-spawner.ts'
import { createFakePortProbe } from '../../../../../test/support/src/fake-probe.ts'
import { createMemoryStore } from '../../../../../test/support/src/memory-store.ts'

export { flush } from '../../../../../test/support/src/wait.ts'

export const POOL = { from: 8000, to: 8999 }
export const BASE_ENV = { PATH: '/usr/bin', SUP_HOME: '/home/u/.sup' }

export function makeSpec (input: Partial<AppSpecInput> = {}): AppSpec {
  return normalizeAppSpec({ name: 'api', script: '/srv/api/server.js', portRange: '8000-8004', env: { GREETING: 'hi' }, ...input }, { portPool: POOL })
}

export interface WorldOptions {
  /** Ports whose health check fails (all others pass). */
  unhealthy?: Set<number>
  /** Ports bound by processes outside sup. */
  busy?: number[]
  /** Every port accepts connections as soon as it is asked (workers become ready at once). */
  acceptAll?: boolean
  /** Signals that end a fake process (SIGKILL always does). */
  exitOn?: string[]
  /** Live processes of an earlier daemon life (pid, marker, start time); when set, other pids are dead. */
  alive?: Array<{ pid: number; marker: string; startTime: number }>
}

/** The error a promise rejects with; fails when it resolves. */
export async function rejection (p: Promise<unknown>): Promise<Error & { code?: string; statusCode?: number }> {
  try { await p } catch (err) { return err as Error & { code?: string } }
  throw new Error('expected a rejection, got a value')
}

/** The fakes every runtime test needs; onError calls fail the test. */
export function createWorld (opts: WorldOptions = {}) {
  const clock = createFakeClock()
  const spawner = createFakeSpawner(1000, { exitOn: opts.exitOn ?? [] })
  const probe = createFakePortProbe({ busy: opts.busy ?? [], acceptAll: opts.acceptAll ?? false })
  const store = createMemoryStore()
  const broker = createPortBroker(probe)
  // Processes of an earlier daemon life that are still alive (for boot/adoption tests)
  const alive = opts.alive ?? []
  const procs: ProcessTable = {
    startTime: (pid) => alive.find((a) => a.pid === pid)?.startTime ?? (alive.length > 0 ? null : pid * 10),
    findMarked: (prefix) => alive.filter((a) => a.marker.startsWith(prefix)).map(({ pid, marker }) => ({ pid, marker }))
  }
  const events: EventRecord[] = []
  const errors: Array<{ err: unknown; where: string }> = []
  onTestFinished(() => { expect(errors).toEqual([]) })
  const deps: RunnerDeps = {
    clock, spawner, probe, procs, store, broker, random: () => 0.5, prepareOutput: (s, i) => ({ stdoutPath: `/sup/logs/.pipes/${s.name}-${i}.out`, stderrPath: `/sup/logs/.pipes/${s.name}-${i}.err` }), markerPrefix: 'sup-test', baseEnv: BASE_ENV,
    onEvent: (e) => { events.push(e) },
    onError: (err, where) => { errors.push({ err, where }) },
    httpCheck: async (port) => !(opts.unhealthy?.has(port) ?? false),
    onServingChange: () => undefined,
    onUnhealthy: () => undefined
  }
  /** Events of one worker's state changes, as `from>to`. */
  const path = (instance = 0): string[] => events.filter((e) => e.instance === instance).map((e) => `${e.from ?? ''}>${e.to ?? ''}`)
  return { clock, spawner, probe, store, broker, procs, events, errors, deps, path }
}

/** One runner for app `api` instance 0, stored like the supervisor stores a fresh worker on `port`. */
export function createRunner (opts: WorldOptions & { spec?: Partial<AppSpecInput>; port?: number } = {}) {
  const world = createWorld({ acceptAll: true, ...opts })
  const spec = makeSpec(opts.spec)
  const stored: StoredWorker = { app: spec.name, instance: 0, snapshot: initialSnapshot(), port: opts.port ?? 8000, marker: null, pidStartTime: null, startedAt: null }
  world.store.createApp({ name: spec.name, spec, desired: 'running', createdAt: 0 }, [stored])
  const runner = createWorkerRunner(world.deps, spec, stored)
  const state = (): string => runner.record().snapshot.state
  return { ...world, spec, runner, state }
}

/** A supervisor over the fakes; `files` are the scripts that exist. */
export function createSup (opts: WorldOptions & { files?: string[]; strays?: number } = {}) {
  const world = createWorld({ acceptAll: true, exitOn: ['SIGTERM'], ...opts })
  const files = new Set(opts.files ?? ['/srv/api/server.js', '/srv/web/server.js'])
  let reaped = 0
  let kept: string[] = []
  /** Every upstream the supervisor published, in order: `app=port,port`. */
  const upstreams: string[] = []
  const sup = createSupervisor({
    ...world.deps,
    portPool: POOL,
    isFile: async (p) => files.has(p),
    removeOutput: () => undefined,
    publisher: {
      publish: async (app, ports) => { upstreams.push(`${app}=${[...ports].sort().join(',')}`) },
      remove: async (app) => { upstreams.push(`${app}=removed`) }
    },
    watchApp: () => async () => undefined,
    readTail: async (app, instance) => `last words of ${app}:${instance}`,
    reapStrays: async (keep) => { reaped++; kept = [...keep]; return opts.strays ?? 0 }
  })
  return { ...world, sup, upstreams, reapCalls: () => reaped, keptMarkers: () => kept }
}
