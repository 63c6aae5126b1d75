// The interleaving test's invariants (pure): each takes what was observed once the daemon was quiet and names every breach.
import type { AppView } from '../../../packages/protocol/src/index.ts'

/** A live process carrying this SUP_HOME's marker, with the app and instance the marker names. */
export interface MarkedProcess { readonly pid: number; readonly app: string; readonly instance: number }

/** The app as apps.json (the mirror a fresh daemon would restore from) stores it. */
export interface StoredAppMirror {
  readonly name: string
  readonly desired: string
  readonly spec: { readonly instances: number; readonly script: string; readonly cwd: string; readonly portRange: { readonly from: number; readonly to: number } }
}

/** Everything the invariants look at, gathered at one moment after quiescence. */
export interface Observation {
  /** GET /apps */
  readonly apps: readonly AppView[]
  /** GET /daemon/ports; null when the daemon has no such route. */
  readonly held: ReadonlyArray<{ readonly port: number; readonly holder: string }> | null
  readonly marked: readonly MarkedProcess[]
  /** readlink /proc/<pid>/cwd of every online worker (null: unreadable, the process is gone). */
  readonly cwds: ReadonlyArray<{ readonly app: string; readonly instance: number; readonly pid: number; readonly cwd: string | null }>
  /** $SUP_HOME/nginx/<file>.conf -> its text */
  readonly nginxFiles: Readonly<Record<string, string>>
  /** A GET through nginx for each app probeApps() named: status and body, or the socket error. */
  readonly nginxAnswers: ReadonlyArray<{ readonly app: string; readonly status: number; readonly body: string }>
  /** apps.json; null when missing or unreadable. */
  readonly mirror: readonly StoredAppMirror[] | null
}

/** What a step's own commands said the end state is (a command that succeeded, with no other command on that app). */
export interface Expectation { readonly app: string; readonly desired?: 'running' | 'stopped' | 'absent'; readonly instances?: number }

const isServing = (w: AppView['workers'][number]): boolean => w.serving ?? w.state === 'online'

/** The apps whose nginx route must answer 200: running, with at least one serving worker. */
export function probeApps (apps: readonly AppView[]): string[] {
  return apps.filter((a) => a.desired === 'running' && a.workers.some(isServing)).map((a) => a.name)
}

/** No process of a deleted or stopped app; no marked process sup does not list (an invisible worker); listed online pids run. */
export function checkProcesses (o: Observation): string[] {
  const out: string[] = []
  const byName = new Map(o.apps.map((a) => [a.name, a]))
  for (const p of o.marked) {
    const app = byName.get(p.app)
    if (app === undefined) out.push(`process ${p.pid} of deleted app ${p.app} (instance ${p.instance}) still runs`)
    else if (app.desired === 'stopped') out.push(`process ${p.pid} of stopped app ${p.app} (instance ${p.instance}) runs`)
    else if (!app.workers.some((w) => w.pid === p.pid)) out.push(`process ${p.pid} marked ${p.app}:${p.instance} is no worker sup lists (an invisible worker)`)
  }
  const live = new Set(o.marked.map((p) => p.pid))
  for (const a of o.apps) {
    for (const w of a.workers) {
      if (w.state === 'online' && w.pid !== null && !live.has(w.pid)) out.push(`${a.name}:${w.instance} is online with pid ${w.pid}, which does not run`)
    }
  }
  return out
}

/** No two live processes for one (app, instance). */
export function checkOneProcessPerInstance (o: Observation): string[] {
  const seen = new Map<string, number[]>()
  for (const p of o.marked) seen.set(`${p.app}:${p.instance}`, [...(seen.get(`${p.app}:${p.instance}`) ?? []), p.pid])
  return [...seen].filter(([, pids]) => pids.length > 1).map(([key, pids]) => `${key} has ${pids.length} processes: ${pids.join(', ')}`)
}

/** The ports the broker holds are exactly the ports of the listed workers; no port is given to two workers. */
export function checkPorts (o: Observation): string[] {
  const out: string[] = []
  const owners = new Map<number, string>()
  for (const a of o.apps) {
    for (const w of a.workers) {
      if (w.port === null) continue
      const other = owners.get(w.port)
      if (other !== undefined) out.push(`port ${w.port} belongs to ${other} and ${a.name}:${w.instance}`)
      owners.set(w.port, `${a.name}:${w.instance}`)
    }
  }
  if (o.held === null) return out
  const held = new Set(o.held.map((h) => h.port))
  for (const h of o.held) if (!owners.has(h.port)) out.push(`port ${h.port} is held by ${h.holder} but no worker has it (leaked)`)
  for (const [port, who] of owners) if (!held.has(port)) out.push(`port ${port} of ${who} is not held by the broker (another worker may get it)`)
  return out
}

/** Every online worker's working directory (its release) exists. */
export function checkCwds (o: Observation): string[] {
  return o.cwds.filter((c) => c.cwd === null || c.cwd.endsWith(' (deleted)'))
    .map((c) => `${c.app}:${c.instance} (pid ${c.pid}) runs in ${c.cwd === null ? 'an unreadable cwd' : `a removed directory: ${c.cwd}`}`)
}

/** The ports an upstream file lists, 'down' for the placeholder, null when it is not an upstream sup wrote. */
export function upstreamPorts (text: string): number[] | 'down' | null {
  if (/server 127\.0\.0\.1:\d+ down;/.test(text)) return 'down'
  const ports = [...text.matchAll(/server 127\.0\.0\.1:(\d+) max_fails/g)].map((m) => Number(m[1]))
  return ports.length === 0 ? null : ports.sort((a, b) => a - b)
}

/** Each app's nginx file lists exactly its serving workers (or `down`), no file for a gone app, nginx routes to running apps. */
export function checkNginx (o: Observation): string[] {
  const out: string[] = []
  const names = new Set(o.apps.map((a) => `${a.name}.conf`))
  for (const f of Object.keys(o.nginxFiles)) if (!names.has(f)) out.push(`stale nginx file ${f} (no such app)`)
  for (const a of o.apps) {
    const want = a.workers.filter((w) => isServing(w) && w.port !== null).map((w) => w.port ?? 0).sort((x, y) => x - y)
    const text = o.nginxFiles[`${a.name}.conf`]
    const got = text === undefined ? null : upstreamPorts(text)
    const wanted = want.length === 0 ? 'down' : want.join(',')
    const have = got === null ? 'no upstream file' : got === 'down' ? 'down' : got.join(',')
    if (wanted !== have) out.push(`nginx/${a.name}.conf lists ${have}, serving workers are ${wanted}`)
    if (a.nginxError !== undefined && a.nginxError !== null) out.push(`${a.name}: nginx error: ${a.nginxError}`)
  }
  for (const ans of o.nginxAnswers) {
    const pids = o.apps.find((a) => a.name === ans.app)?.workers.map((w) => w.pid) ?? []
    const pid = Number(/pid (\d+)/.exec(ans.body)?.[1] ?? NaN)
    if (ans.status !== 200) out.push(`nginx answered ${ans.status} for ${ans.app}: ${ans.body.slice(0, 120)}`)
    else if (!pids.includes(pid)) out.push(`nginx sent a request for ${ans.app} to pid ${Number.isNaN(pid) ? '?' : pid}, not one of its workers (${pids.join(', ')})`)
  }
  return out
}

/**
 * `restarts` of an instance never went down since the last observation. `resets`: per app, the first
 * instance that may be new in this step (deleted, created, scaled, deployed to a count).
 */
export function checkRestarts (prev: Observation | null, cur: Observation, resets: ReadonlyMap<string, number>): string[] {
  if (prev === null) return []
  const out: string[] = []
  for (const a of cur.apps) {
    const before = prev.apps.find((p) => p.name === a.name)
    if (before === undefined) continue
    const from = resets.get(a.name) ?? Infinity
    for (const w of a.workers) {
      const old = before.workers.find((p) => p.instance === w.instance)
      if (old === undefined || w.instance >= from) continue
      if (w.restarts < old.restarts) out.push(`${a.name}:${w.instance} restarts went down from ${old.restarts} to ${w.restarts}`)
    }
  }
  return out
}

/** What `sup list` shows equals what apps.json stores (what a fresh daemon restores). */
export function checkStored (o: Observation): string[] {
  if (o.mirror === null) return o.apps.length === 0 ? [] : ['apps.json is missing or unreadable']
  const out: string[] = []
  const shown = (a: { name: string; desired: string; spec: StoredAppMirror['spec'] }): string =>
    JSON.stringify([a.name, a.desired, a.spec.instances, a.spec.script, a.spec.cwd, a.spec.portRange.from, a.spec.portRange.to])
  const listed = o.apps.map(shown).sort()
  const stored = o.mirror.map(shown).sort()
  for (const l of listed) if (!stored.includes(l)) out.push(`listed but not stored as such: ${l}`)
  for (const s of stored) if (!listed.includes(s)) out.push(`stored but not listed as such: ${s}`)
  return out
}

/** The end state a step's own commands promised: desired state (or gone) and instance count. */
export function checkExpectations (o: Observation, expected: readonly Expectation[]): string[] {
  const out: string[] = []
  for (const e of expected) {
    const a = o.apps.find((x) => x.name === e.app)
    const desired = a === undefined ? 'absent' : a.desired
    if (e.desired !== undefined && desired !== e.desired) out.push(`${e.app} is ${desired} after a command that left it ${e.desired} (changed by an automated restart?)`)
    else if (a !== undefined && e.instances !== undefined && (a.spec.instances !== e.instances || a.workers.length !== e.instances)) {
      out.push(`${e.app} has ${a.spec.instances} instance(s) in its spec and ${a.workers.length} worker(s) after a command that set ${e.instances}`)
    }
  }
  return out
}

/** Every invariant, as `[invariant] what broke` lines; empty when all hold. */
export function checkInvariants (prev: Observation | null, cur: Observation, ctx: { resets: ReadonlyMap<string, number>; expected: readonly Expectation[] }): string[] {
  const tag = (name: string, lines: string[]): string[] => lines.map((l) => `[${name}] ${l}`)
  return [
    ...tag('processes', checkProcesses(cur)),
    ...tag('one-process-per-instance', checkOneProcessPerInstance(cur)),
    ...tag('ports', checkPorts(cur)),
    ...tag('cwd', checkCwds(cur)),
    ...tag('nginx', checkNginx(cur)),
    ...tag('restarts', checkRestarts(prev, cur, ctx.resets)),
    ...tag('stored', checkStored(cur)),
    ...tag('expected', checkExpectations(cur, ctx.expected))
  ]
}
