// The interleaving test's pure parts: the seeded generator, the model, and each invariant on crafted observations.
import { describe, expect, it } from 'vitest'
import type { AppView } from '../../packages/protocol/src/index.ts'
import { checkCwds, checkExpectations, checkInvariants, checkNginx, checkOneProcessPerInstance, checkPorts, checkProcesses, checkRestarts, checkStored, probeApps, upstreamPorts, type Observation } from '../support/src/interleave-invariants.ts'
import { applyOp, applyStep, EMPTY_MODEL, generateSteps, restartResets, type OpKind } from '../support/src/interleave-model.ts'
import { mulberry32, parseSeeds } from '../support/src/prng.ts'

type Worker = AppView['workers'][number]

const worker = (app: string, instance: number, pid: number | null, port: number, more: Partial<Worker> = {}): Worker =>
  ({ app, instance, state: pid === null ? 'stopped' : 'online', pid, port, restarts: 0, startedAt: null, lastExit: null, serving: pid !== null, ...more })

const view = (name: string, desired: 'running' | 'stopped', workers: Worker[]): AppView =>
  ({ name, desired, workers, nginxError: null, spec: { name, instances: workers.length, script: '/s.js', cwd: '/c', portRange: { from: 8000, to: 8003 } } as unknown as AppView['spec'] })

const upstream = (ports: number[]): string => ports.length === 0
  ? 'upstream sup_x {\n    server 127.0.0.1:9 down; # no worker serves\n}\n'
  : `upstream sup_x {\n${ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}\n}\n`

/** A consistent world: alpha runs 2 workers, beta is stopped with 1. */
function clean (): Observation {
  const apps = [view('alpha', 'running', [worker('alpha', 0, 101, 8000), worker('alpha', 1, 102, 8001)]), view('beta', 'stopped', [worker('beta', 0, null, 8010)])]
  return {
    apps,
    held: [{ port: 8000, holder: 'alpha:0' }, { port: 8001, holder: 'alpha:1' }, { port: 8010, holder: 'beta:0' }],
    marked: [{ pid: 101, app: 'alpha', instance: 0 }, { pid: 102, app: 'alpha', instance: 1 }],
    cwds: [{ app: 'alpha', instance: 0, pid: 101, cwd: '/c' }, { app: 'alpha', instance: 1, pid: 102, cwd: '/c' }],
    nginxFiles: { 'alpha.conf': upstream([8000, 8001]), 'beta.conf': upstream([]) },
    nginxAnswers: [{ app: 'alpha', status: 200, body: 'pid 102\n' }],
    mirror: apps.map((a) => ({ name: a.name, desired: a.desired, spec: { instances: a.workers.length, script: '/s.js', cwd: '/c', portRange: { from: 8000, to: 8003 } } }))
  }
}

describe('prng and seeds', () => {
  it('mulberry32: the same seed gives the same numbers in [0, 1); another seed others', () => {
    const a = mulberry32(42)
    const b = mulberry32(42)
    const xs = Array.from({ length: 100 }, () => a())
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(mulberry32(43)()).not.toBe(xs[0])
  })

  it('parseSeeds: defaults, a list, "random" (fresh, printed by the caller), a bad seed refused', () => {
    expect(parseSeeds(undefined, [1, 2])).toEqual([1, 2])
    expect(parseSeeds('', [1])).toEqual([1])
    expect(parseSeeds('7, 9', [1])).toEqual([7, 9])
    expect(parseSeeds('random', [1], () => 1234)).toEqual([1234])
    expect(() => parseSeeds('x', [1])).toThrow(/seed 'x'/)
    expect(() => parseSeeds('-1', [1])).toThrow()
  })
})

describe('generateSteps', () => {
  it('is a pure function of the seed: a shorter run is a prefix of a longer one', () => {
    expect(generateSteps(5, 40)).toEqual(generateSteps(5, 40))
    expect(generateSteps(5, 40).slice(0, 15)).toEqual(generateSteps(5, 15))
    expect(generateSteps(6, 40)).not.toEqual(generateSteps(5, 40))
  })

  it('over a long run draws every kind of operation, some two at a time, never two cron runs together', () => {
    const steps = generateSteps(1, 600)
    const kinds = new Set(steps.flatMap((s) => s.ops.map((o) => o.kind)))
    const all: OpKind[] = ['create', 'start', 'stop', 'delete', 'restart', 'reload', 'scale', 'deploy', 'rollback', 'kill-worker', 'memory', 'health', 'kill-daemon', 'cron']
    expect([...kinds].sort()).toEqual([...all].sort())
    const pairs = steps.filter((s) => s.ops.length === 2)
    expect(pairs.length).toBeGreaterThan(600 * 0.15)
    expect(pairs.filter((s) => s.ops.every((o) => o.kind === 'cron'))).toEqual([])
    const deploys = steps.flatMap((s) => s.ops).filter((o) => o.kind === 'deploy')
    expect(deploys.some((d) => d.kind === 'deploy' && !d.good)).toBe(true)
    expect(deploys.some((d) => d.kind === 'deploy' && (d.instances ?? 0) > 4)).toBe(true)
  })

  it('steers by the model: the first steps of an empty world mostly create apps', () => {
    const firsts = Array.from({ length: 50 }, (_, seed) => generateSteps(seed, 1)[0]?.ops[0]?.kind)
    expect(firsts.filter((k) => k === 'create' || k === 'deploy' || k === 'cron').length).toBeGreaterThan(25)
  })
})

describe('the model', () => {
  it('a refused deploy (too many instances) or a never-ready one changes nothing; a good one counts a release', () => {
    const m = applyOp(EMPTY_MODEL, { kind: 'deploy', app: 'beta', good: true, instances: null })
    expect(m.beta).toEqual({ exists: true, desired: 'running', instances: 2, releases: 1, uncertain: false })
    expect(applyOp(m, { kind: 'deploy', app: 'beta', good: true, instances: 5 })).toEqual(m)
    expect(applyOp(m, { kind: 'deploy', app: 'beta', good: false, instances: null })).toEqual(m)
    expect(applyOp(m, { kind: 'delete', app: 'beta' }).beta.exists).toBe(false)
    expect(applyOp(m, { kind: 'cron', end: 'stop' }).gamma.desired).toBe('stopped')
  })

  it('a step racing two changes of one app leaves it uncertain until a start, delete or deploy settles it', () => {
    const withAlpha = applyOp(EMPTY_MODEL, { kind: 'create', app: 'alpha' })
    expect(applyStep(withAlpha, [{ kind: 'delete', app: 'alpha' }, { kind: 'create', app: 'alpha' }]).alpha.uncertain).toBe(true)
    expect(applyStep(withAlpha, [{ kind: 'stop', app: 'alpha' }, { kind: 'reload', app: 'beta' }]).alpha).toMatchObject({ desired: 'stopped', uncertain: false })
    expect(applyStep(withAlpha, [{ kind: 'kill-worker', app: 'alpha', pick: 0 }, { kind: 'health', app: 'alpha', pick: 1, holdMs: 0 }]).alpha.uncertain).toBe(false)
    expect(applyOp({ ...EMPTY_MODEL, alpha: { ...EMPTY_MODEL.alpha, uncertain: true } }, { kind: 'start', app: 'alpha' }).alpha).toEqual({ exists: true, desired: 'running', instances: 2, releases: 0, uncertain: false })
    expect(applyOp(EMPTY_MODEL, { kind: 'start', app: 'beta' }).beta).toMatchObject({ exists: true, releases: 1 })
  })

  it('restartResets: instances that may be new in a step (deleted, created, scaled, deployed to a count)', () => {
    expect(restartResets({ index: 0, ops: [{ kind: 'reload', app: 'alpha' }] })).toEqual(new Map())
    expect(restartResets({ index: 0, ops: [{ kind: 'scale', app: 'alpha', instances: 3 }, { kind: 'delete', app: 'alpha' }] })).toEqual(new Map([['alpha', 0]]))
    expect(restartResets({ index: 0, ops: [{ kind: 'deploy', app: 'beta', good: true, instances: 1 }] })).toEqual(new Map([['beta', 1]]))
  })
})

describe('invariants', () => {
  it('a consistent observation breaks none', () => {
    expect(checkInvariants(clean(), clean(), { resets: new Map(), expected: [{ app: 'alpha', desired: 'running', instances: 2 }, { app: 'gamma', desired: 'absent' }] })).toEqual([])
    expect(probeApps(clean().apps)).toEqual(['alpha'])
  })

  it('processes: of a deleted app, of a stopped app, an invisible worker, an online pid that does not run', () => {
    const o = { ...clean(), marked: [...clean().marked.slice(1), { pid: 7, app: 'gone', instance: 0 }, { pid: 8, app: 'beta', instance: 0 }, { pid: 9, app: 'alpha', instance: 1 }] }
    const out = checkProcesses(o)
    expect(out).toEqual([
      'process 7 of deleted app gone (instance 0) still runs',
      'process 8 of stopped app beta (instance 0) runs',
      'process 9 marked alpha:1 is no worker sup lists (an invisible worker)',
      'alpha:0 is online with pid 101, which does not run'
    ])
    expect(checkOneProcessPerInstance(o)).toEqual(['alpha:1 has 2 processes: 102, 9'])
  })

  it('ports: a leaked port, a worker port the broker does not hold, one port for two workers; no route: only the last', () => {
    const o = clean()
    const held = [...(o.held ?? []).slice(1), { port: 8002, holder: 'alpha:1\'' }]
    expect(checkPorts({ ...o, held })).toEqual([
      'port 8002 is held by alpha:1\' but no worker has it (leaked)',
      'port 8000 of alpha:0 is not held by the broker (another worker may get it)'
    ])
    const twice = { ...o, held: null, apps: [view('alpha', 'running', [worker('alpha', 0, 101, 8000), worker('alpha', 1, 102, 8000)])] }
    expect(checkPorts(twice)).toEqual(['port 8000 belongs to alpha:0 and alpha:1'])
  })

  it('cwd: a worker running in a removed release', () => {
    expect(checkCwds({ ...clean(), cwds: [{ app: 'beta', instance: 0, pid: 5, cwd: '/h/apps/beta/releases/r1 (deleted)' }] })).toEqual(['beta:0 (pid 5) runs in a removed directory: /h/apps/beta/releases/r1 (deleted)'])
  })

  it('nginx: a stale file, an upstream that is not the serving workers, a missing placeholder, a failed or misrouted answer', () => {
    expect(upstreamPorts(upstream([8001, 8000]))).toEqual([8000, 8001])
    expect(upstreamPorts(upstream([]))).toBe('down')
    const o = clean()
    const apps = [view('alpha', 'running', [worker('alpha', 0, 101, 8000), worker('alpha', 1, 102, 8001, { serving: false })]), o.apps[1] as AppView]
    expect(checkNginx({ ...o, apps, nginxFiles: { ...o.nginxFiles, 'old.conf': upstream([8005]) } })).toEqual([
      'stale nginx file old.conf (no such app)',
      'nginx/alpha.conf lists 8000,8001, serving workers are 8000'
    ])
    expect(checkNginx({ ...o, nginxFiles: { 'alpha.conf': upstream([8000, 8001]) } })).toEqual(['nginx/beta.conf lists no upstream file, serving workers are down'])
    expect(checkNginx({ ...o, nginxAnswers: [{ app: 'alpha', status: 502, body: 'Bad Gateway' }] })).toEqual(['nginx answered 502 for alpha: Bad Gateway'])
    expect(checkNginx({ ...o, nginxAnswers: [{ app: 'alpha', status: 200, body: 'pid 555\n' }] })).toEqual(['nginx sent a request for alpha to pid 555, not one of its workers (101, 102)'])
  })

  it('restarts: never down between steps, except for instances the step made new', () => {
    const prev = { ...clean(), apps: [view('alpha', 'running', [worker('alpha', 0, 101, 8000, { restarts: 3 }), worker('alpha', 1, 102, 8001, { restarts: 2 })])] }
    expect(checkRestarts(prev, clean(), new Map())).toEqual(['alpha:0 restarts went down from 3 to 0', 'alpha:1 restarts went down from 2 to 0'])
    expect(checkRestarts(prev, clean(), new Map([['alpha', 1]]))).toEqual(['alpha:0 restarts went down from 3 to 0'])
    expect(checkRestarts(null, clean(), new Map())).toEqual([])
  })

  it('stored: what is listed equals apps.json', () => {
    const o = clean()
    const mirror = (o.mirror ?? []).map((a) => (a.name === 'beta' ? { ...a, desired: 'running' } : a))
    expect(checkStored({ ...o, mirror })).toEqual([
      'listed but not stored as such: ["beta","stopped",1,"/s.js","/c",8000,8003]',
      'stored but not listed as such: ["beta","running",1,"/s.js","/c",8000,8003]'
    ])
    expect(checkStored({ ...o, mirror: null })).toEqual(['apps.json is missing or unreadable'])
  })

  it('expected: the desired state and instance count a command left', () => {
    const o = clean()
    expect(checkExpectations(o, [{ app: 'beta', desired: 'running' }, { app: 'alpha', desired: 'absent' }, { app: 'alpha', instances: 3 }])).toEqual([
      'beta is stopped after a command that left it running (changed by an automated restart?)',
      'alpha is running after a command that left it absent (changed by an automated restart?)',
      'alpha has 2 instance(s) in its spec and 2 worker(s) after a command that set 3'
    ])
  })
})
