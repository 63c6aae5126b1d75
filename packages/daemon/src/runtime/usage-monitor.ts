// Samples online workers' process trees on the injected clock, keeps the last minute, and fires resource rules.
// It samples in the background only what needs it: the workers of apps with a memory or CPU rule, and every worker
// for a minute after a read of usage (`sup list`, `sup show`, a /metrics scrape). A daemon nobody asks and no rule
// needs wakes for nothing: `fresh()` samples at the moment of a read instead (issue 14: idle CPU).
import type { UsageSample } from '@sup/protocol'
import type { Clock, TreeUsage, UsageSampler } from '../core/ports.ts'
import { observeSample, type FiredRule, type ResourceRules, type RuleWindow } from '../core/resource-rules.ts'

/** One worker to sample now. */
export interface SampleTarget {
  readonly app: string
  readonly instance: number
  readonly pid: number
  readonly rules: ResourceRules
}

export interface UsageMonitorDeps {
  readonly clock: Clock
  readonly sampler: UsageSampler
  /** The online workers now. */
  readonly targets: () => SampleTarget[]
  /** Rules fired for a worker: resolves once it has been replaced (its next process is online) or the attempt failed. */
  readonly onFire: (target: SampleTarget, fired: readonly FiredRule[]) => Promise<void>
  readonly onError: (err: unknown, where: string) => void
}

/** How much history is kept per worker (`sup show`). */
export const HISTORY_MS = 60_000
/** The tick when no app asks for a shorter interval. */
const DEFAULT_TICK_MS = 1_000
/** After a read of usage, every worker is sampled in the background this long (a `watch sup list`, a scraper, `sup show`'s history). */
export const OBSERVED_MS = 60_000

/** A rule needs samples whether or not anybody reads them. */
const hasRules = (t: SampleTarget): boolean => t.rules.maxMemory !== null || t.rules.maxCpu !== null

interface WorkerTrack {
  pid: number
  samples: UsageSample[]
  memory: RuleWindow
  cpu: RuleWindow
  /** A fired rule's replacement is under way: no rule is evaluated until it is done. */
  replacing: boolean
}

export interface UsageMonitor {
  /** Starts ticking when something needs background samples (the first sample after one interval). */
  start (): void
  stop (): void
  /** One tick now: the workers due (every worker while observed, else those with rules). Ticks never overlap. */
  tick (): Promise<void>
  /** Before a read of usage: samples every worker not sampled within its interval, and keeps sampling for OBSERVED_MS. Never rejects. */
  fresh (): Promise<void>
  /** The targets may have changed (an app added, a rule set): starts ticking if something now needs it. */
  wake (): void
  /** The latest sample of a worker's current process, or null (not sampled yet, or a different pid). */
  latest (app: string, instance: number, pid: number | null): UsageSample | null
  /** The last minute of samples of each worker of an app, by instance. */
  history (app: string): Map<number, { pid: number; samples: UsageSample[] }>
}

const keyOf = (app: string, instance: number): string => `${app}\u0000${instance}`

/** A monitor over the given ports; it never samples the same worker twice at once (ticks run one after another). */
export function createUsageMonitor (deps: UsageMonitorDeps): UsageMonitor {
  const tracks = new Map<string, WorkerTrack>()
  const lastSampledAt = new Map<string, number>()
  let cancel: (() => void) | null = null
  let running = false
  /** A timer is armed, or its tick is under way: nothing else is armed. */
  let armed = false
  /** Counts stops: a tick of a timer armed before a stop never arms the next one. */
  let generation = 0
  /** Monotonic time until which every worker is sampled in the background (a read of usage extends it). */
  let observedUntil = -Infinity
  /** The tick under way (the timer's or a read's): the next one runs after it, so none overlap. */
  let last: Promise<void> = Promise.resolve()

  /** The targets to sample now: every worker while observed, else only those with rules. */
  function wanted (now: number): SampleTarget[] {
    const all = deps.targets()
    return now < observedUntil ? all : all.filter(hasRules)
  }

  function due (targets: SampleTarget[], now: number): SampleTarget[] {
    return targets.filter((t) => {
      const at = lastSampledAt.get(t.app)
      // 10% early is on time: ticks are scheduled at the shortest interval and drift by a few ms
      return at === undefined || now - at >= t.rules.sampleIntervalMs * 0.9
    })
  }
  function record (t: SampleTarget, u: TreeUsage, wall: number): void {
    const key = keyOf(t.app, t.instance)
    let track = tracks.get(key)
    if (track === undefined) { track = { pid: t.pid, samples: [], memory: [], cpu: [], replacing: false }; tracks.set(key, track) }
    if (track.pid !== t.pid) { track.pid = t.pid; track.memory = []; track.cpu = []; track.replacing = false }
    track.samples.push({ time: wall, cpu: Math.round(u.cpu * 10) / 10, memory: u.memory, pids: u.pids })
    while (track.samples.length > 0 && (track.samples[0]?.time ?? wall) < wall - HISTORY_MS) track.samples.shift()
    if (track.replacing) return
    const fired: FiredRule[] = []
    if (t.rules.maxMemory !== null) {
      const r = observeSample(track.memory, u.memory, t.rules.maxMemory, t.rules.over, 'memory')
      track.memory = r.window
      if (r.fired !== null) fired.push(r.fired)
    }
    if (t.rules.maxCpu !== null) {
      const r = observeSample(track.cpu, u.cpu, t.rules.maxCpu, t.rules.over, 'cpu')
      track.cpu = r.window
      if (r.fired !== null) fired.push(r.fired)
    }
    if (fired.length === 0) return
    track.replacing = true
    track.memory = []
    track.cpu = []
    const done = (): void => { track.replacing = false; track.memory = []; track.cpu = [] }
    deps.onFire(t, fired).then(done, (err: unknown) => { done(); deps.onError(err, `${t.app}:${t.instance} rule restart`) })
  }

  function prune (wall: number): void {
    for (const [key, track] of tracks) {
      const last = track.samples[track.samples.length - 1]
      if (!track.replacing && (last === undefined || last.time < wall - HISTORY_MS)) tracks.delete(key)
    }
  }

  async function sampleDue (): Promise<void> {
    const now = deps.clock.now()
    const targets = due(wanted(now), now)
    if (targets.length === 0) return
    for (const t of targets) lastSampledAt.set(t.app, now)
    const usage = await deps.sampler.sample(targets.map((t) => t.pid))
    const wall = deps.clock.wallNow()
    for (const t of targets) {
      const u = usage.get(t.pid)
      if (u !== undefined) record(t, u, wall)
    }
    prune(wall)
  }

  /** Runs after the tick under way (ticks never overlap); never rejects. */
  function tick (): Promise<void> {
    last = last.then(sampleDue).catch((err: unknown) => deps.onError(err, 'usage sampling'))
    return last
  }

  /** Arms the timer at the shortest interval of what is wanted; nothing is armed when nothing is (a wake re-arms it). */
  function schedule (): void {
    if (!running || armed) return
    const targets = wanted(deps.clock.now())
    if (targets.length === 0) return
    const ms = Math.min(DEFAULT_TICK_MS, ...targets.map((t) => t.rules.sampleIntervalMs))
    const gen = generation
    armed = true
    cancel = deps.clock.setTimer(ms, () => {
      cancel = null
      void tick().finally(() => { if (gen !== generation) return; armed = false; schedule() })
    })
  }

  return {
    start () { if (running) return; running = true; schedule() },
    stop () { running = false; generation++; armed = false; cancel?.(); cancel = null },
    tick,
    async fresh () {
      observedUntil = deps.clock.now() + OBSERVED_MS
      await tick()
      schedule()
    },
    wake: schedule,
    latest (app, instance, pid) {
      const track = tracks.get(keyOf(app, instance))
      if (track === undefined || pid === null || track.pid !== pid) return null
      return track.samples[track.samples.length - 1] ?? null
    },
    history (app) {
      const out = new Map<number, { pid: number; samples: UsageSample[] }>()
      for (const [key, track] of tracks) {
        const [name, instance] = key.split('\u0000')
        if (name === app) out.set(Number(instance), { pid: track.pid, samples: [...track.samples] })
      }
      return out
    }
  }
}
