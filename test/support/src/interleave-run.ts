// The interleaving test's loop: each step's operations (together when there are two), quiescence, every invariant.
import { daemonPid } from './daemon.ts'
import { checkInvariants, type Expectation, type Observation } from './interleave-invariants.ts'
import { appOf, describeOp, describeSteps, restartResets, type Step } from './interleave-model.ts'
import { daemonLogErrors, observe, quietKey, waitQuiet } from './interleave-observe.ts'
import { runOp, type OpOutcome, type World } from './interleave-ops.ts'

export interface RunResult {
  /** One line per step run: what was asked and what each operation answered. */
  readonly log: string[]
  /** The first step that broke an invariant (the run stops there unless told to keep going), with what broke. */
  readonly failure: { readonly step: number; readonly violations: readonly string[] } | null
  /** With keepGoing: every step that broke something (later ones may only cascade from the first). */
  readonly failures: ReadonlyArray<{ readonly step: number; readonly violations: readonly string[] }>
}

/** Tries to observe one quiet state this many times. */
const OBSERVE_ATTEMPTS = 3

/** The end states the step's commands promised, except for an app that two operations of the step touched. */
function expectationsOf (step: Step, outcomes: readonly OpOutcome[]): Expectation[] {
  const apps = step.ops.map(appOf)
  const shared = new Set(apps.filter((a, i) => a !== null && apps.indexOf(a) !== i))
  return outcomes.flatMap((o) => (o.expect === null || shared.has(o.expect.app as never) ? [] : [o.expect]))
}

/** Runs one step and checks it; the violations (empty: every invariant held) and its observation. */
async function runStep (w: World, nginxPort: number, step: Step, prev: Observation | null): Promise<{ line: string; violations: string[]; obs: Observation | null }> {
  const before = daemonPid(w.home)
  const t0 = performance.now()
  const outcomes = await Promise.all(step.ops.map((op) => runOp(w, op)))
  const t1 = performance.now()
  const violations = outcomes.flatMap((o) => (o.anomaly === null ? [] : [`[answer] ${o.anomaly}`]))
  const after = daemonPid(w.home)
  if (!step.ops.some((op) => op.kind === 'kill-daemon') && before !== null && after !== before) violations.push(`[daemon] daemon ${before} died during the step (now ${after ?? 'none'})`)
  const { obs, problem } = await observeQuiet(w, nginxPort)
  if (problem !== null) violations.push(problem)
  const ms = `[${Math.round(t1 - t0)} + ${Math.round(performance.now() - t1)} ms]`
  const line = `${step.index}: ${step.ops.map((op, i) => `${describeOp(op)} -> ${outcomes[i]?.text ?? '?'}`).join(' || ')} ${ms}`
  if (obs !== null) violations.push(...checkInvariants(prev, obs, { resets: restartResets(step), expected: expectationsOf(step, outcomes) }))
  const logged = daemonLogErrors(w.home, w.logOffset)
  w.logOffset = logged.end
  violations.push(...logged.errors.map((e) => `[daemon-log] ${e}`))
  return { line, violations, obs }
}

/** Observes once quiet; again when something moved while it observed (an observation must be of one quiet state). */
async function observeQuiet (w: World, nginxPort: number): Promise<{ obs: Observation | null; problem: string | null }> {
  let moved = ''
  for (let attempt = 0; attempt < OBSERVE_ATTEMPTS; attempt++) {
    const q = await waitQuiet(w.home)
    if ('moving' in q) return { obs: null, problem: `[quiescence] not quiet within 30 s: ${q.moving}` }
    try {
      const obs = await observe(w.home, nginxPort)
      const after = await quietKey(w.home)
      if (after.key === q.quiet) return { obs, problem: null }
      moved = after.key.slice(0, 400)
    } catch (err) {
      return { obs: null, problem: `[observe] ${err instanceof Error ? err.message : String(err)}` }
    }
  }
  return { obs: null, problem: `[quiescence] quiet ${OBSERVE_ATTEMPTS} times, and each time something moved while observed: ${moved}` }
}

/**
 * Runs `steps` in order and stops at the first step that breaks an invariant (later ones would mostly cascade);
 * `keepGoing` runs them all (to survey what breaks), `onStep` sees each step's line and violations.
 */
export async function runInterleaving (w: World, nginxPort: number, steps: readonly Step[], opts: { keepGoing?: boolean; onStep?: (line: string, violations: readonly string[]) => void } = {}): Promise<RunResult> {
  const log: string[] = []
  const failures: Array<{ step: number; violations: string[] }> = []
  let prev: Observation | null = null
  for (const step of steps) {
    const r = await runStep(w, nginxPort, step, prev)
    log.push(r.line)
    opts.onStep?.(r.line, r.violations)
    if (r.violations.length > 0) {
      failures.push({ step: step.index, violations: r.violations })
      if (opts.keepGoing !== true) break
    }
    prev = r.obs ?? prev
  }
  return { log, failure: failures[0] ?? null, failures }
}

/** The report of a failed run: seed, how to replay it, the steps asked, what each did, what broke. */
export function failureReport (seed: number, steps: readonly Step[], result: RunResult): string {
  const failure = result.failure
  if (failure === null) return ''
  return [
    `interleaving seed ${seed} broke an invariant at step ${failure.step}:`,
    ...failure.violations.map((v) => `  ${v}`),
    `replay: SUP_INTERLEAVE_SEED=${seed} SUP_INTERLEAVE_STEPS=${failure.step + 1} npx vitest run test/e2e/interleave.test.ts`,
    'steps asked:',
    describeSteps(steps.slice(0, failure.step + 1)),
    'what happened:',
    ...result.log
  ].join('\n')
}
