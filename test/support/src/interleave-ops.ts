// The interleaving test's hands: runs one operation against the real daemon (built CLI, HTTP on its socket, signals).
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import type { AppView } from '../../../packages/protocol/src/index.ts'
import { daemonPid, FIXTURES, runSup, type SupResult } from './daemon.ts'
import type { Expectation } from './interleave-invariants.ts'
import { DEFAULT_INSTANCES, type AppName, type Op } from './interleave-model.ts'
import { daemonRequest, eventsOf, listAppsOf, markedProcesses } from './interleave-observe.ts'
import { httpGet, isAlive, isGone, killPid } from './procs.ts'
import { waitFor } from './wait.ts'

export const WORKER_FIXTURE = `${FIXTURES}/interleave-worker.js`

/** The cron expression of gamma: every 2 seconds (6 fields: seconds first). */
export const GAMMA_CRON = '*/2 * * * * *'

/** What the operations need: the home, the daemon's environment, the apps' port ranges, scratch directories. */
export interface World {
  readonly home: string
  /** SUP_NGINX_RELOAD / SUP_NGINX_TEST: every `sup` (which may start a daemon) gets it. */
  readonly env: Readonly<Record<string, string>>
  /** Where the workers look for `health-<port>` files. */
  readonly stateDir: string
  /** Where release trees are built before they are packed. */
  readonly workDir: string
  readonly ranges: Readonly<Record<AppName, { readonly from: number; readonly to: number }>>
  /** Every daemon pid seen (the test kills each by pid at its end). */
  readonly daemons: Set<number>
  deploys: number
  /** How far daemon.log has been read (its errors are reported with the step that caused them). */
  logOffset: number
}

/** What an operation did: a line for the step log, the end state it promises, and anything that is a bug by itself. */
export interface OpOutcome { readonly text: string; readonly expect: Expectation | null; readonly anomaly: string | null }

/** Options of every worker: fast health checks and memory samples, short drains and backoffs. */
const WORKER_OPTIONS = {
  health: '/healthz', healthInterval: '300ms', healthTimeout: '1s', healthFailures: '2',
  maxMemory: '120M', over: '2/3', sampleInterval: '300ms',
  drain: '200ms', killTimeout: '2s', restartDelay: '100ms', maxRestartDelay: '1s'
}
const WORKER_FLAGS = Object.entries(WORKER_OPTIONS).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, v])

const range = (w: World, app: AppName): string => `${w.ranges[app].from}-${w.ranges[app].to}`

/** A 500 or an internal error is a bug whatever the interleaving (a refusal or a 404 is an answer). */
function anomalyOf (text: string): string | null {
  return /SUP_ERR_INTERNAL|"statusCode":\s*500|Internal Server Error/i.test(text) ? text.slice(0, 300) : null
}

async function sup (w: World, args: readonly string[], expect: Expectation): Promise<OpOutcome> {
  const r: SupResult = await runSup(w.home, args, { env: { ...w.env }, timeoutMs: 90_000 })
  rememberDaemon(w)
  const said = r.code === 0 ? 'ok' : `exit ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`
  return { text: `sup ${args[0] ?? ''}: ${said}`, expect: r.code === 0 ? expect : null, anomaly: anomalyOf(r.stderr) }
}

function rememberDaemon (w: World): void {
  const pid = daemonPid(w.home)
  if (pid !== null) w.daemons.add(pid)
}

/** The live worker `pick` names (modulo the workers that have a pid, by instance); null when none runs. */
async function pickWorker (w: World, app: AppName, pick: number): Promise<AppView['workers'][number] | null> {
  const apps = await listAppsOf(w.home).catch(() => [])
  const live = (apps.find((a) => a.name === app)?.workers ?? []).filter((x) => x.pid !== null && x.state === 'online').sort((a, b) => a.instance - b.instance)
  return live.length === 0 ? null : live[pick % live.length] ?? null
}

/** Resolves once `pid` no longer runs, false after timeoutMs. */
const goneWithin = (pid: number, timeoutMs: number): Promise<boolean> =>
  waitFor(() => !isAlive(pid), { timeoutMs, intervalMs: 50 }).then(() => true, () => false)

/** A release of beta: the fixture as server.js, package.json with the worker options; `never-ready` never listens. */
function tarball (w: World, good: boolean): Buffer {
  w.deploys++
  const dir = `${w.workDir}/release-${w.deploys}`
  mkdirSync(dir, { recursive: true })
  copyFileSync(WORKER_FIXTURE, `${dir}/server.js`)
  writeFileSync(`${dir}/VERSION`, `${w.deploys}\n`)
  if (!good) writeFileSync(`${dir}/MODE`, 'never-ready\n')
  const supField = { ...WORKER_OPTIONS, instances: DEFAULT_INSTANCES, listenTimeout: good ? '8s' : '2s', env: { STATE_DIR: w.stateDir } }
  writeFileSync(`${dir}/package.json`, JSON.stringify({ name: 'beta', version: `1.0.${w.deploys}`, type: 'module', main: 'server.js', private: true, sup: supField }))
  const tgz = execFileSync('tar', ['-cz', '-C', dir, '.'])
  rmSync(dir, { recursive: true, force: true })
  return tgz
}

async function deploy (w: World, op: Extract<Op, { kind: 'deploy' }>): Promise<OpOutcome> {
  const query = `portRange=${range(w, 'beta')}${op.instances === null ? '' : `&instances=${op.instances}`}`
  try {
    const r = await daemonRequest(w.home, 'POST', `/deploy/tester/beta?${query}`, { body: tarball(w, op.good), timeoutMs: 90_000 })
    const code = (r.json as { error?: { code?: string } } | null)?.error?.code ?? ''
    const expect: Expectation = { app: 'beta', desired: 'running', instances: op.instances ?? DEFAULT_INSTANCES }
    return { text: `deploy: ${r.status} ${code}`, expect: r.status === 200 ? expect : null, anomaly: r.status >= 500 && r.status !== 502 && r.status !== 503 ? r.text.slice(0, 300) : null }
  } catch (err) {
    return { text: `deploy: ${err instanceof Error ? err.message : String(err)}`, expect: null, anomaly: null }
  }
}

async function killDaemon (w: World): Promise<OpOutcome> {
  const pid = daemonPid(w.home)
  if (pid !== null) {
    w.daemons.add(pid)
    killPid(pid, 'SIGKILL')
    await waitFor(() => isGone(pid), { timeoutMs: 5_000, what: `daemon ${pid} to die` }) // its socket closed too
  }
  // `sup list` starts the next daemon, which adopts the workers
  const r = await runSup(w.home, ['list', '--json'], { env: { ...w.env }, timeoutMs: 60_000 })
  rememberDaemon(w)
  return { text: `killed daemon ${pid ?? '-'}, new daemon ${daemonPid(w.home) ?? '-'} (list exit ${r.code})`, expect: null, anomaly: anomalyOf(r.stderr) }
}

async function killWorker (w: World, app: AppName, pick: number): Promise<OpOutcome> {
  const victim = await pickWorker(w, app, pick)
  if (victim === null) return { text: 'no live worker', expect: null, anomaly: null }
  killPid(victim.pid ?? 0, 'SIGKILL')
  return { text: `SIGKILL ${app}:${victim.instance} pid ${victim.pid ?? '-'}`, expect: null, anomaly: null }
}

/** Makes one worker's /healthz fail, until it is replaced (bounded) or for holdMs, then makes it pass again. */
async function health (w: World, app: AppName, pick: number, holdMs: number | null): Promise<OpOutcome> {
  const victim = await pickWorker(w, app, pick)
  if (victim === null || victim.port === null) return { text: 'no live worker', expect: null, anomaly: null }
  const file = `${w.stateDir}/health-${victim.port}`
  writeFileSync(file, 'fail')
  // holdMs is the operation's own timing (how long the check stays bad), not a wait for something
  const replaced = holdMs === null ? await goneWithin(victim.pid ?? 0, 10_000) : await new Promise<boolean>((resolve) => setTimeout(() => resolve(!isAlive(victim.pid ?? 0)), holdMs))
  rmSync(file, { force: true })
  return { text: `${app}:${victim.instance} port ${victim.port} unhealthy ${holdMs === null ? 'until replaced' : `${holdMs}ms`}: ${replaced ? 'replaced' : 'not replaced'}`, expect: null, anomaly: null }
}

/** Makes one worker hold 150 MB (over the 120M rule) and waits (bounded) for the rule to replace it. */
async function memory (w: World, app: AppName, pick: number): Promise<OpOutcome> {
  const victim = await pickWorker(w, app, pick)
  if (victim === null || victim.port === null) return { text: 'no live worker', expect: null, anomaly: null }
  const said = await httpGet(victim.port, '/alloc?mb=150', 10_000).then((a) => String(a.status), (err: unknown) => (err instanceof Error ? err.message : String(err)))
  const replaced = await goneWithin(victim.pid ?? 0, 10_000)
  return { text: `${app}:${victim.instance} holds 150 MB (${said}): ${replaced ? 'replaced' : 'not replaced'}`, expect: null, anomaly: null }
}

/** gamma's one worker once it is online and alone (no replacement beside it): its pid, else null. */
async function gammaSettled (w: World): Promise<number | null> {
  const gamma = (await listAppsOf(w.home)).find((a) => a.name === 'gamma')
  const online = gamma?.workers.find((x) => x.state === 'online' && x.pid !== null)
  const procs = markedProcesses(w.home).filter((p) => p.app === 'gamma')
  return online !== undefined && procs.length === 1 ? online.pid : null
}

/**
 * Starts gamma with a cron restart every 2 s, waits for one to be done, then stops or deletes it: the next
 * tick is then due within 2 s and finds the app idle (a scheduler that still runs it starts the app again).
 */
async function cron (w: World, end: 'stop' | 'delete'): Promise<OpOutcome> {
  const gamma = (await listAppsOf(w.home).catch(() => [])).find((a) => a.name === 'gamma')
  const since = Date.now()
  const start = gamma === undefined
    ? await sup(w, ['start', WORKER_FIXTURE, '--name', 'gamma', '--port-range', range(w, 'gamma'), '--cron-restart', GAMMA_CRON, '--drain', '100ms', '--env', `STATE_DIR=${w.stateDir}`], { app: 'gamma', desired: 'running' })
    : await sup(w, ['start', 'gamma'], { app: 'gamma', desired: 'running' })
  const first = await waitFor(() => gammaSettled(w), { timeoutMs: 10_000, intervalMs: 50 }).catch(() => null)
  // a new app's timer is armed by the scheduler's next sync (every 5 s), then due within 2 s
  const fired = await waitFor(async () => (await eventsOf(w.home, 'gamma')).some((e) => e.type === 'cron-restart' && e.time >= since), { timeoutMs: 12_000, intervalMs: 50 }).then(() => true, () => false)
  const replaced = fired && await waitFor(async () => { const pid = await gammaSettled(w); return pid !== null && pid !== first }, { timeoutMs: 10_000, intervalMs: 50 }).then(() => true, () => false)
  const last = await sup(w, [end, 'gamma'], { app: 'gamma', desired: end === 'stop' ? 'stopped' : 'absent' })
  // the next tick's window: a timer left armed after the stop fires in it (waiting for something NOT to happen)
  await new Promise((resolve) => setTimeout(resolve, 2_500))
  const seen = !fired ? 'NOT seen in 12 s' : replaced ? 'done' : 'seen, not done in 10 s'
  return { text: `${start.text}; cron restart ${seen}; ${last.text}`, expect: last.expect, anomaly: start.anomaly ?? last.anomaly }
}

/** `sup start <app>`, or, when the app is missing, what creates it: alpha from its script, beta by a good deploy. */
async function start (w: World, app: 'alpha' | 'beta'): Promise<OpOutcome> {
  const exists = (await listAppsOf(w.home).catch(() => [])).some((a) => a.name === app)
  if (exists) return sup(w, ['start', app], { app, desired: 'running' })
  return app === 'alpha' ? create(w) : deploy(w, { kind: 'deploy', app, good: true, instances: null })
}

const create = (w: World): Promise<OpOutcome> =>
  sup(w, ['start', WORKER_FIXTURE, '--name', 'alpha', '-n', String(DEFAULT_INSTANCES), '--port-range', range(w, 'alpha'), ...WORKER_FLAGS, '--env', `STATE_DIR=${w.stateDir}`], { app: 'alpha', desired: 'running', instances: DEFAULT_INSTANCES })

/** Runs one operation; never rejects (a failure is an outcome). */
export async function runOp (w: World, op: Op): Promise<OpOutcome> {
  switch (op.kind) {
    case 'create': return create(w)
    case 'start': return start(w, op.app)
    case 'restart': case 'reload': return sup(w, [op.kind, op.app], { app: op.app, desired: 'running' })
    case 'stop': return sup(w, ['stop', op.app], { app: op.app, desired: 'stopped' })
    case 'delete': return sup(w, ['delete', op.app], { app: op.app, desired: 'absent' })
    case 'scale': return sup(w, ['scale', op.app, String(op.instances)], { app: op.app, instances: op.instances })
    case 'rollback': return sup(w, ['rollback', op.app], { app: op.app, desired: 'running' })
    case 'deploy': return deploy(w, op)
    case 'kill-daemon': return killDaemon(w)
    case 'kill-worker': return killWorker(w, op.app, op.pick)
    case 'health': return health(w, op.app, op.pick, op.holdMs)
    case 'memory': return memory(w, op.app, op.pick)
    case 'cron': return cron(w, op.end)
    default: { const never: never = op; return never }
  }
}
