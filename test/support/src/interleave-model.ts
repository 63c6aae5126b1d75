// The interleaving test's model (pure): operations, a rough model of the apps, and a seeded generator of steps.
import { mulberry32, pick, pickWeighted, randomInt, type Random } from './prng.ts'

/**
 * The apps of the test: `alpha` started from a script (health check, memory rule), `beta` deployed from tarballs
 * (health check, memory rule), `gamma` a `--cron-restart` app touched only by the `cron` operation.
 */
export type AppName = 'alpha' | 'beta' | 'gamma'
export const APP_NAMES: readonly AppName[] = ['alpha', 'beta', 'gamma']

/** Ports in each app's range: alpha runs 1-3 workers (4 exhausts it), beta 1-3 (5 exhausts it), gamma 1. */
export const RANGE_SIZE: Readonly<Record<AppName, number>> = { alpha: 3, beta: 4, gamma: 2 }

/** Workers of a new alpha, and of a beta deploy without `?instances` (its package.json says so). */
export const DEFAULT_INSTANCES = 2

/** One operation. `pick` chooses a live worker at run time (index modulo the live workers, by instance). */
export type Op =
  | { kind: 'create'; app: 'alpha' }
  | { kind: 'start' | 'stop' | 'delete' | 'restart' | 'reload'; app: 'alpha' | 'beta' }
  | { kind: 'scale'; app: 'alpha' | 'beta'; instances: number }
  | { kind: 'deploy'; app: 'beta'; good: boolean; instances: number | null }
  | { kind: 'rollback'; app: 'beta' }
  | { kind: 'kill-worker' | 'memory'; app: 'alpha' | 'beta'; pick: number }
  | { kind: 'health'; app: 'alpha' | 'beta'; pick: number; holdMs: number | null }
  | { kind: 'kill-daemon' }
  | { kind: 'cron'; end: 'stop' | 'delete' }

export type OpKind = Op['kind']

/** One step: one operation, or two issued together (the second without waiting for the first). */
export interface Step { readonly index: number; readonly ops: readonly Op[] }

/**
 * What the generator believes of an app. `uncertain`: two operations of one step raced on it (delete || create),
 * so it may be either way until a `start` (which creates a missing app), `delete` or good deploy settles it.
 */
export interface ModelApp { readonly exists: boolean; readonly desired: 'running' | 'stopped'; readonly instances: number; readonly releases: number; readonly uncertain: boolean }
export type Model = Readonly<Record<AppName, ModelApp>>

const ABSENT: ModelApp = { exists: false, desired: 'stopped', instances: 0, releases: 0, uncertain: false }
export const EMPTY_MODEL: Model = { alpha: ABSENT, beta: ABSENT, gamma: ABSENT }

/** How often two operations are issued together. */
const CONCURRENT_SHARE = 0.25

type Candidate = readonly [weight: number, make: (rand: Random) => Op, kind?: OpKind]

function appOps (m: Model, app: 'alpha' | 'beta'): Candidate[] {
  const a = m[app].uncertain ? { ...m[app], exists: true, desired: 'running' } : m[app]
  const isRunning = a.exists && a.desired === 'running'
  // operations on an app that is gone still run now and then (they must answer 404 and change nothing)
  const w = (n: number, when: boolean): number => (when ? n : 0.15)
  const maxScale = app === 'alpha' ? RANGE_SIZE.alpha + 1 : RANGE_SIZE.beta - 1
  return [
    [m[app].uncertain ? 2.5 : w(2, a.exists && a.desired === 'stopped'), () => ({ kind: 'start', app })],
    [w(1.5, isRunning), () => ({ kind: 'stop', app })],
    [w(0.8, a.exists), () => ({ kind: 'delete', app })],
    [w(1.2, a.exists), () => ({ kind: 'restart', app })],
    [w(2, a.exists), () => ({ kind: 'reload', app })],
    [w(1.5, a.exists), (r) => ({ kind: 'scale', app, instances: randomInt(r, 1, maxScale) })],
    [w(2, isRunning), (r) => ({ kind: 'kill-worker', app, pick: randomInt(r, 0, 3) })],
    [w(1.5, isRunning), (r) => ({ kind: 'health', app, pick: randomInt(r, 0, 3), holdMs: pick(r, [null, null, 0, 400, 1500]) })],
    [w(1, isRunning), (r) => ({ kind: 'memory', app, pick: randomInt(r, 0, 3) })]
  ]
}

/** Every operation possible now, weighted by how interesting it is in this model state. */
function candidates (m: Model): Candidate[] {
  const beta = m.beta
  return [
    [m.alpha.exists ? 0.15 : 3, () => ({ kind: 'create', app: 'alpha' })],
    ...appOps(m, 'alpha'),
    ...appOps(m, 'beta'),
    // a deploy asking for more workers than the range has ports is refused: 1 in 8
    [beta.exists ? 2.5 : 4, (r) => ({ kind: 'deploy', app: 'beta', good: true, instances: r() < 0.4 ? null : r() < 0.8 ? randomInt(r, 1, 3) : RANGE_SIZE.beta + 1 })],
    [beta.exists ? 1.2 : 0.2, () => ({ kind: 'deploy', app: 'beta', good: false, instances: null })],
    [beta.releases >= 2 ? 1.2 : 0.15, () => ({ kind: 'rollback', app: 'beta' })],
    [1, () => ({ kind: 'kill-daemon' })],
    [m.gamma.exists && m.gamma.desired === 'running' ? 0 : 0.8, (r) => ({ kind: 'cron', end: r() < 0.5 ? 'stop' : 'delete' }), 'cron']
  ]
}

function draw (rand: Random, list: readonly Candidate[]): Op {
  const weights: Record<string, number> = {}
  list.forEach(([w], i) => { if (w > 0) weights[String(i)] = w })
  const chosen = list[Number(pickWeighted(rand, weights))]
  if (chosen === undefined) throw new Error('draw: nothing to draw')
  return chosen[1](rand)
}

/** The model after `op`, assuming it succeeded (the real outcome may differ: the model only steers the draw). */
export function applyOp (m: Model, op: Op): Model {
  switch (op.kind) {
    case 'create': return m.alpha.exists ? m : { ...m, alpha: { ...m.alpha, exists: true, desired: 'running', instances: DEFAULT_INSTANCES, releases: 0 } }
    // `start` of a missing app creates it (alpha from its script, beta by a deploy): see runOp
    case 'start': return m[op.app].exists && !m[op.app].uncertain ? { ...m, [op.app]: { ...m[op.app], desired: 'running' } } : { ...m, [op.app]: { exists: true, desired: 'running', instances: DEFAULT_INSTANCES, releases: op.app === 'beta' ? 1 : 0, uncertain: false } }
    case 'restart': case 'reload': return m[op.app].exists ? { ...m, [op.app]: { ...m[op.app], desired: 'running' } } : m
    case 'stop': return m[op.app].exists ? { ...m, [op.app]: { ...m[op.app], desired: 'stopped' } } : m
    case 'delete': return { ...m, [op.app]: ABSENT }
    case 'scale': {
      const a = m[op.app]
      return a.exists && op.instances <= RANGE_SIZE[op.app] ? { ...m, [op.app]: { ...a, instances: op.instances } } : m
    }
    case 'deploy': {
      const a = m.beta
      // the release's package.json asks for DEFAULT_INSTANCES: a deploy without ?instances goes back to it
      const instances = op.instances ?? DEFAULT_INSTANCES
      if (!op.good || instances > RANGE_SIZE.beta) return m
      return { ...m, beta: { exists: true, desired: 'running', instances, releases: a.releases + 1, uncertain: false } }
    }
    case 'rollback': return m.beta.releases >= 2 ? { ...m, beta: { ...m.beta, desired: 'running' } } : m
    case 'cron': return { ...m, gamma: op.end === 'delete' ? ABSENT : { exists: true, desired: 'stopped', instances: 1, releases: 0, uncertain: false } }
    case 'kill-worker': case 'memory': case 'health': case 'kill-daemon': return m
    default: { const never: never = op; return never }
  }
}

/** Operations that only poke workers: they leave an app's definition and desired state as they were. */
const POKES: readonly OpKind[] = ['kill-worker', 'memory', 'health', 'kill-daemon']

/** Apps two operations of one step both act on, one of them changing it: the order decides, so the model cannot. */
function racedApps (ops: readonly Op[]): AppName[] {
  const [a, b] = ops
  if (a === undefined || b === undefined) return []
  const app = appOf(a)
  return app !== null && app === appOf(b) && !(POKES.includes(a.kind) && POKES.includes(b.kind)) ? [app] : []
}

/** The model after a step: each operation applied; an app two of them raced on is uncertain. */
export function applyStep (m: Model, ops: readonly Op[]): Model {
  let out = m
  for (const op of ops) out = applyOp(out, op)
  for (const app of racedApps(ops)) out = { ...out, [app]: { ...out[app], uncertain: true } }
  return out
}

/** The steps of a run: a pure function of the seed (a prefix of a longer run is the shorter run). */
export function generateSteps (seed: number, count: number): Step[] {
  const rand = mulberry32(seed)
  const steps: Step[] = []
  let m = EMPTY_MODEL
  for (let index = 0; index < count; index++) {
    const first = draw(rand, candidates(m))
    const ops: Op[] = [first]
    if (rand() < CONCURRENT_SHARE) {
      // the second is drawn from the same state: both are issued before either answers (never two cron runs)
      ops.push(draw(rand, candidates(m).filter(([, , kind]) => kind !== 'cron')))
    }
    m = applyStep(m, ops)
    steps.push({ index, ops })
  }
  return steps
}

/** `reload alpha`, `deploy beta good instances=3`, `health beta pick=1 hold=400ms`... */
export function describeOp (op: Op): string {
  switch (op.kind) {
    case 'kill-daemon': return 'kill-daemon'
    case 'cron': return `cron gamma then ${op.end}`
    case 'scale': return `scale ${op.app} ${op.instances}`
    case 'deploy': return `deploy ${op.app} ${op.good ? 'good' : 'never-ready'}${op.instances === null ? '' : ` instances=${op.instances}`}`
    case 'kill-worker': case 'memory': return `${op.kind} ${op.app} pick=${op.pick}`
    case 'health': return `health ${op.app} pick=${op.pick} ${op.holdMs === null ? 'until replaced' : `hold=${op.holdMs}ms`}`
    default: return `${op.kind} ${op.app}`
  }
}

/** One line per step: `12: stop alpha || reload beta` (|| = issued together). */
export function describeSteps (steps: readonly Step[]): string {
  return steps.map((s) => `${s.index}: ${s.ops.map(describeOp).join(' || ')}`).join('\n')
}

/** The app an operation acts on (null for the daemon). */
export function appOf (op: Op): AppName | null {
  return op.kind === 'kill-daemon' ? null : op.kind === 'cron' ? 'gamma' : op.app
}

/**
 * Per app, the first instance whose `restarts` may start again from 0 in this step (a worker that is new:
 * the app was deleted or created, or scaled or deployed to a count); absent: every count must be kept.
 */
export function restartResets (step: Step): Map<AppName, number> {
  const out = new Map<AppName, number>()
  const lower = (app: AppName, from: number): void => { out.set(app, Math.min(out.get(app) ?? from, from)) }
  for (const op of step.ops) {
    if (op.kind === 'delete' || op.kind === 'create' || op.kind === 'cron') lower(appOf(op) ?? 'alpha', 0)
    else if (op.kind === 'scale') lower(op.app, op.instances)
    else if (op.kind === 'deploy' && op.instances !== null) lower(op.app, op.instances)
  }
  return out
}
