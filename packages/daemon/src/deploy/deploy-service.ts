// Deploys and rollbacks: upload -> staging -> checks -> install -> release -> rolling reload -> `current` switched.
import { rename, rm, rmdir } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { AppView, DeployResult, DeployWarning, ReleaseList, ReleaseView } from '@sup/protocol'
import { NAME_RE, RESERVED_NAMES, normalizeAppSpec, specDefaultsOf, type AppSpec, type AppSpecInput } from '../core/app-spec.ts'
import type { PortRange } from '../core/port-allocator.ts'
import { SUP_ERR_APP_EXISTS, SUP_ERR_DEPLOY_FAILED, SUP_ERR_DEPLOY_IN_PROGRESS, SUP_ERR_INVALID_NAME, SUP_ERR_RELEASE_NOT_FOUND, SUP_ERR_TOO_LARGE } from '../errors.ts'
import { extractArchive } from './extractor.ts'
import { hasDependencies, installDependencies, optsInToScripts } from './installer.ts'
import type { DeployLimits } from './limits.ts'
import { readPackageJson } from './package-json.ts'
import { releaseId } from './release-id.ts'
import type { ReleaseRecord, ReleaseStore } from './release-store.ts'
import { pickStartCommand } from './start-command.ts'
import { pathsInUse, releasesUsed } from './releases-in-use.ts'

/** Releases kept per app (current and any release in use are never removed). */
export const KEEP_RELEASES = 5

/** What the service needs of the supervisor. */
export interface DeploySupervisor {
  specOf (name: string): AppSpec | undefined
  createApp (input: AppSpecInput, wait: boolean): Promise<AppView>
  deployApp (name: string, spec: AppSpec): Promise<AppView>
  scaleApp (name: string, instances: number): Promise<AppView>
  deleteApp (name: string): Promise<string>
  getApp (name: string): AppView
}

/** The port check a deploy makes before anything starts (the port broker's). */
export interface DeployPorts {
  /** Throws SUP_ERR_PORT_EXHAUSTED unless the range has room for `needed` workers of `app`. */
  checkRoom (range: PortRange, app: string, needed: number): Promise<number>
}

export interface DeployDeps {
  readonly releases: ReleaseStore
  readonly supervisor: DeploySupervisor
  readonly limits: DeployLimits
  readonly portPool: PortRange
  readonly logDefaults?: { readonly maxSize: number; readonly files: number } | undefined
  readonly ports: DeployPorts
  /** npm's environment. */
  readonly env: Readonly<Record<string, string>>
  readonly wallNow: () => number
  /** The last lines a worker printed. */
  readonly readTail: (app: string, instance: number, lines: number) => Promise<string>
  readonly onEvent: (app: string, type: string, message: string) => void
  /** `npm.installScripts` setting: npm lifecycle scripts of every app run (else only when the app opts in). */
  readonly installScripts?: () => boolean
}

export interface DeployQueryInput { readonly instances?: string | undefined; readonly portRange?: string | undefined }

/** An error with the new workers' (or npm's) last output lines. */
export type ErrorWithOutput = Error & { output?: string[] }

/** What a failed roll-out left (set by the runtime's rollOnto on its error): instances moved, and those not put back. */
interface Aftermath { readonly moved: readonly number[]; readonly stuck: readonly number[] }
const aftermathOf = (err: unknown): Aftermath | null => (err as { rollout?: Aftermath } | null)?.rollout ?? null

export type DeployService = ReturnType<typeof createDeployService>

function checkName (name: string, kind: 'user' | 'app'): void {
  if (!NAME_RE.test(name) || RESERVED_NAMES.includes(name)) throw new SUP_ERR_INVALID_NAME(kind, name.slice(0, 80))
}

export function createDeployService (deps: DeployDeps) {
  const busy = new Set<string>()
  const { releases } = deps

  const toView = (r: ReleaseRecord, current: boolean): ReleaseView =>
    ({ id: r.id, app: r.app, user: r.user, sha256: r.sha256, createdAt: r.createdAt, size: r.size, unpackedSize: r.unpackedSize, files: r.files, current })

  /** The user an app was deployed as (its newest release), or null. */
  const ownerOf = (app: string): string | null => releases.list(app)[0]?.user ?? null

  function claim (app: string): () => void {
    if (busy.has(app)) throw new SUP_ERR_DEPLOY_IN_PROGRESS(app)
    busy.add(app)
    return () => { busy.delete(app) }
  }

  /**
   * Removes a staging dir and the then-empty folders a refused first upload made. The dir is renamed first: tar's
   * writes still in flight then fail (its cwd is gone) instead of re-creating files while it is removed.
   */
  async function dropStaging (user: string, app: string, staging: string): Promise<void> {
    const trash = `${staging}.drop`
    await rename(staging, trash).catch(() => undefined)
    await rm(trash, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })
    await rm(staging, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })
    const dir = releases.appDir(user, app)
    for (const d of [`${dir}/.staging`, dir, dir.slice(0, dir.lastIndexOf('/'))]) await rmdir(d).catch(() => undefined)
  }

  async function outputOf (app: string, instances: readonly number[]): Promise<string[]> {
    const lines: string[] = []
    for (const i of instances) lines.push(...(await deps.readTail(app, i, 20).catch(() => '')).split('\n').filter((l) => l !== ''))
    return lines.slice(-40)
  }

  function deployFailed (app: string, why: string, output: string[]): ErrorWithOutput {
    const err: ErrorWithOutput = new SUP_ERR_DEPLOY_FAILED(app, why)
    err.output = output
    return err
  }

  /** The releases of the app (of `user`) that its saved spec or a live worker uses. */
  function inUse (app: string, user: string): Set<string> {
    const view = deps.supervisor.specOf(app) === undefined ? undefined : deps.supervisor.getApp(app)
    const dirs = new Map(releases.list(app).filter((r) => r.user === user).map((r) => [r.id, releases.releaseDir(user, app, r.id)]))
    return releasesUsed(pathsInUse(deps.supervisor.specOf(app), view), dirs)
  }

  /** SUP_ERR_PORT_EXHAUSTED before anything starts when the range cannot hold the instances asked for. */
  async function checkPorts (app: string, spec: AppSpec): Promise<void> {
    await deps.ports.checkRoom(spec.portRange, app, spec.instances)
  }

  /** A failed roll-out of an existing app, as SUP_ERR_DEPLOY_FAILED saying what runs where. */
  async function rolloutFailed (app: string, id: string, err: unknown): Promise<never> {
    const e = err as { code?: string; message?: string }
    const left = aftermathOf(err)
    const stuck = left === null || left.stuck.length === 0 ? '' : `; instance(s) ${left.stuck.join(', ')} could not be put back and still run release ${id}, which is kept`
    if (e.code !== 'SUP_ERR_RELOAD_FAILED') {
      if (stuck !== '' && err instanceof Error) err.message += stuck
      throw err
    }
    const [head = '', tail] = (e.message ?? '').split('; its last output:\n')
    const why = head.replace(/^Reload of '[^']*' stopped, the old workers keep serving: /, '')
    const failed: ErrorWithOutput & { rollout?: Aftermath } = deployFailed(app, `${why}${stuck}`, tail === undefined ? await outputOf(app, [0]) : tail.split('\n').filter((l) => l !== ''))
    if (left !== null) failed.rollout = left
    throw failed
  }

  /** Rolls the app onto a release (new app: created). Once the workers moved, commit() finishes: nothing is undone. */
  async function rollout (rec: ReleaseRecord, spec: AppSpec, input: AppSpecInput): Promise<DeployResult> {
    const { app } = rec
    const existing = deps.supervisor.specOf(app)
    let view: AppView
    if (existing === undefined) {
      view = await deps.supervisor.createApp(input, true)
      const bad = view.workers.filter((w) => w.state !== 'online')
      if (bad.length > 0) {
        const output = await outputOf(app, bad.map((w) => w.instance))
        await deps.supervisor.deleteApp(app).catch(() => undefined)
        throw deployFailed(app, `${bad.length} new worker(s) did not become ready (${bad.map((w) => `${w.instance}: ${w.state}`).join(', ')})`, output)
      }
    } else {
      await checkPorts(app, spec)
      try { view = await deps.supervisor.deployApp(app, spec) } catch (err) { return await rolloutFailed(app, rec.id, err) }
    }
    return commit(rec, view, spec, existing)
  }

  /**
   * After the workers moved onto the release: it is marked deployed, `current` switched, the app scaled, old releases
   * pruned. A step that fails is reported as a warning (a partial success), never by removing the release.
   */
  async function commit (rec: ReleaseRecord, moved: AppView, spec: AppSpec, existing: AppSpec | undefined): Promise<DeployResult> {
    const { app, user } = rec
    let view = moved
    const warnings: DeployWarning[] = []
    const attempt = async (step: string, fn: () => Promise<unknown>): Promise<void> => {
      try { await fn() } catch (err) {
        const e = err as { code?: unknown; message?: unknown }
        warnings.push({ step, code: typeof e.code === 'string' ? e.code : 'SUP_ERR_INTERNAL', message: String(e.message ?? err) })
      }
    }
    await attempt('switch', async () => { releases.markDeployed(app, rec.id); releases.switchCurrent(user, app, rec.id) })
    if (existing !== undefined && spec.instances !== existing.instances) await attempt('scale', async () => { view = await deps.supervisor.scaleApp(app, spec.instances) })
    await attempt('prune', () => releases.prune(user, app, KEEP_RELEASES, new Set([rec.id, ...inUse(app, user)])))
    for (const w of warnings) deps.onEvent(app, 'deploy-partial', `release ${rec.id} runs, but ${w.step} failed: ${w.message}`)
    return { release: toView(rec, releases.currentId(user, app) === rec.id), workers: view.workers, ...(warnings.length > 0 ? { warnings } : {}) }
  }

  /** The spec of the release unpacked at `root` (served from `dir`), layered on the app's current definition. */
  async function specFor (app: string, root: string, dir: string, query: DeployQueryInput): Promise<{ spec: AppSpec; input: AppSpecInput; pkg: Record<string, unknown> | null }> {
    // Imported by the first deploy: it loads typebox/value, which nothing else in the daemon needs
    const { deployInput, supFieldInput } = await import('./spec-input.ts')
    const pkg = readPackageJson(root)
    const cmd = pickStartCommand(root, pkg)
    const input = deployInput({ current: deps.supervisor.specOf(app), sup: supFieldInput(pkg?.sup), query, app, script: `${dir}/${cmd.file}`, args: cmd.args, cwd: dir })
    return { spec: normalizeAppSpec(input, specDefaultsOf(deps)), input, pkg }
  }

  /** `POST /deploy/:user/:app`: `body` is the gzip'd tarball, read as it streams. */
  async function deploy (user: string, app: string, body: Readable, contentLength: number | undefined, query: DeployQueryInput): Promise<DeployResult> {
    checkName(user, 'user')
    checkName(app, 'app')
    if (contentLength !== undefined && contentLength > deps.limits.maxBodyBytes) throw new SUP_ERR_TOO_LARGE(`Content-Length ${contentLength} is over the limit of ${deps.limits.maxBodyBytes} bytes`)
    const owner = ownerOf(app)
    if (owner !== null && owner !== user && deps.supervisor.specOf(app) !== undefined) throw new SUP_ERR_APP_EXISTS(app)
    const release = claim(app)
    let staging: string | null = null
    try {
      staging = await releases.makeStaging(user, app)
      const ex = await extractArchive(body, staging, deps.limits)
      const createdAt = deps.wallNow()
      const id = releaseId(createdAt, ex.sha256, (x) => releases.get(app, x) !== null)
      const dir = releases.releaseDir(user, app, id)
      const { spec, input, pkg } = await specFor(app, staging, dir, query)
      await checkPorts(app, spec)
      if (hasDependencies(pkg)) await installDependencies(staging, { timeoutMs: deps.limits.installTimeoutMs, env: deps.env, installScripts: deps.installScripts?.() === true || optsInToScripts(pkg) })
      releases.promote(staging, user, app, id)
      staging = null
      const rec: ReleaseRecord = { app, id, user, sha256: ex.sha256, createdAt, size: ex.size, unpackedSize: ex.unpackedSize, files: ex.files, status: 'pending' }
      releases.insert(rec)
      try {
        const result = await rollout(rec, spec, input)
        deps.onEvent(app, 'deploy', `release ${id} deployed (${ex.size} bytes uploaded, ${ex.files} entries)`)
        return result
      } catch (err) {
        // a release some worker (or the saved spec) still uses is kept, as `pending` (pruned once unused)
        const kept = inUse(app, user).has(id) || (aftermathOf(err)?.stuck.length ?? 0) > 0
        if (!kept) await releases.remove(user, app, id)
        deps.onEvent(app, 'deploy-failed', `release ${id} refused${kept ? ' (kept: workers still use it)' : ''}: ${err instanceof Error ? err.message : String(err)}`)
        throw err
      }
    } finally {
      release()
      if (staging !== null) await dropStaging(user, app, staging)
    }
  }

  /** `POST /apps/:app/rollback`: back onto release `id`, or the deployed release before the current one. */
  async function rollback (app: string, id?: string): Promise<DeployResult> {
    checkName(app, 'app')
    const list = releases.list(app)
    const user = list[0]?.user
    if (user === undefined) throw new SUP_ERR_RELEASE_NOT_FOUND(app, id === undefined ? '(it was never deployed)' : `'${id.slice(0, 80)}'`)
    const cur = releases.currentId(user, app)
    const target = id === undefined
      ? list.find((r) => r.status === 'deployed' && r.user === user && cur !== null && r.id < cur)
      : list.find((r) => r.id === id && r.user === user)
    if (target === undefined) throw new SUP_ERR_RELEASE_NOT_FOUND(app, id === undefined ? 'before the current one' : `'${id.slice(0, 80)}'`)
    const release = claim(app)
    try {
      const dir = releases.releaseDir(user, app, target.id)
      const { spec, input } = await specFor(app, dir, dir, {})
      const result = await rollout(target, spec, input)
      deps.onEvent(app, 'rollback', `rolled back to release ${target.id}`)
      return result
    } finally { release() }
  }

  function list (app: string): ReleaseList {
    checkName(app, 'app')
    const rows = releases.list(app)
    const user = rows[0]?.user
    const cur = user === undefined ? null : releases.currentId(user, app)
    return { releases: rows.map((r) => toView(r, r.id === cur && r.user === user)) }
  }

  /** After `sup delete`: the app's releases (every user's) are removed, unless a deploy of it is running (it keeps its own). */
  async function forget (app: string): Promise<number> {
    if (busy.has(app)) return 0
    const done = claim(app)
    try { return await releases.removeApp(app) } finally { done() }
  }

  return { deploy, rollback, list, claim, forget, isBusy: (app: string): boolean => busy.has(app), checkName }
}
