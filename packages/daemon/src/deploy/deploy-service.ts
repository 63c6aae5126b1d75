// Deploys and rollbacks: upload -> staging -> checks -> install -> release -> rolling reload -> `current` switched.
import { rename, rm, rmdir } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { AppView, DeployResult, ReleaseList, ReleaseView } from '@sup/protocol'
import { NAME_RE, RESERVED_NAMES, normalizeAppSpec, type AppSpec, type AppSpecInput } from '../core/app-spec.ts'
import type { PortRange } from '../core/port-allocator.ts'
import { SUP_ERR_APP_EXISTS, SUP_ERR_DEPLOY_FAILED, SUP_ERR_DEPLOY_IN_PROGRESS, SUP_ERR_INVALID_NAME, SUP_ERR_RELEASE_NOT_FOUND, SUP_ERR_TOO_LARGE } from '../errors.ts'
import { extractArchive } from './extractor.ts'
import { hasDependencies, installDependencies, optsInToScripts } from './installer.ts'
import type { DeployLimits } from './limits.ts'
import { readPackageJson } from './package-json.ts'
import { releaseId } from './release-id.ts'
import type { ReleaseRecord, ReleaseStore } from './release-store.ts'
import { deployInput, supFieldInput } from './spec-input.ts'
import { pickStartCommand } from './start-command.ts'

/** Releases kept per app (current and the serving one are never removed). */
export const KEEP_RELEASES = 5

/** What the service needs of the supervisor. */
export interface DeploySupervisor {
  specOf (name: string): AppSpec | undefined
  createApp (input: AppSpecInput, wait: boolean): Promise<AppView>
  deployApp (name: string, spec: AppSpec): Promise<AppView>
  scaleApp (name: string, instances: number): Promise<AppView>
  deleteApp (name: string): Promise<string>
}

export interface DeployDeps {
  readonly releases: ReleaseStore
  readonly supervisor: DeploySupervisor
  readonly limits: DeployLimits
  readonly portPool: PortRange
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

  /** Rolls the app onto a release (new app: created); on success marks it deployed, switches `current`, prunes. */
  async function rollout (rec: ReleaseRecord, spec: AppSpec, input: AppSpecInput): Promise<DeployResult> {
    const { app, user } = rec
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
      try { view = await deps.supervisor.deployApp(app, spec) } catch (err) {
        const e = err as { code?: string; message?: string }
        if (e.code !== 'SUP_ERR_RELOAD_FAILED') throw err
        const [head = '', tail] = (e.message ?? '').split('; its last output:\n')
        const why = head.replace(/^Reload of '[^']*' stopped, the old workers keep serving: /, '')
        throw deployFailed(app, why, tail === undefined ? await outputOf(app, [0]) : tail.split('\n').filter((l) => l !== ''))
      }
      if (spec.instances !== existing.instances) view = await deps.supervisor.scaleApp(app, spec.instances)
    }
    releases.markDeployed(app, rec.id)
    releases.switchCurrent(user, app, rec.id)
    await releases.prune(user, app, KEEP_RELEASES, new Set([rec.id]))
    return { release: toView(rec, true), workers: view.workers }
  }

  /** The spec of the release unpacked at `root` (served from `dir`), layered on the app's current definition. */
  function specFor (app: string, root: string, dir: string, query: DeployQueryInput): { spec: AppSpec; input: AppSpecInput; pkg: Record<string, unknown> | null } {
    const pkg = readPackageJson(root)
    const cmd = pickStartCommand(root, pkg)
    const input = deployInput({ current: deps.supervisor.specOf(app), sup: supFieldInput(pkg?.sup), query, app, script: `${dir}/${cmd.file}`, args: cmd.args, cwd: dir })
    return { spec: normalizeAppSpec(input, { portPool: deps.portPool }), input, pkg }
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
      const { spec, input, pkg } = specFor(app, staging, dir, query)
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
        await releases.remove(user, app, id)
        deps.onEvent(app, 'deploy-failed', `release ${id} refused: ${err instanceof Error ? err.message : String(err)}`)
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
      const { spec, input } = specFor(app, dir, dir, {})
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

  return { deploy, rollback, list, claim, isBusy: (app: string): boolean => busy.has(app), checkName }
}
