// Deploys (issue 7): upload a directory or a tar.gz stream, list releases, roll back, wait for the workers.
import type { Readable } from 'node:stream'
import type { AppView, DeployResult, ReleaseList, WorkerState } from '@sup/protocol'
import { SupClientError, SUP_ERR_CLIENT_UPLOAD_CUT, SUP_ERR_CLIENT_WAIT_TIMEOUT } from './errors.ts'
import type { PackSkip } from './pack-dir.ts'
import { buildPath, type Transport } from './transport.ts'

/** The user a first deploy goes under when none is given (later deploys reuse the app's own user). */
export const DEFAULT_DEPLOY_USER = 'default'
/** How often waitFor() asks the daemon, unless told. */
export const WAIT_POLL_MS = 200

export interface DeployOptions {
  /** The folder under `$SUP_HOME/apps/<user>/<app>`; default: the user of the app's releases, else `default`. */
  user?: string
  /** The sup app's name (apps are one namespace). */
  app: string
  /** Overrides package.json's `sup.instances` and the app's definition. */
  instances?: number | string
  /** Overrides package.json's `sup.portRange` and the app's definition, e.g. '8000-8003'. */
  portRange?: string
  /** Bytes uploaded so far (compressed), after each chunk. */
  onProgress?: (sentBytes: number) => void
  /** A directory's entries left out for a reason other than the ignore rules (a symlink pointing outside...). */
  onSkip?: (skip: PackSkip) => void
  /** tar's warnings while packing a directory. */
  onWarn?: (message: string) => void
  /** Bounds the whole deploy (none by default: npm install and the rollout take what they take). */
  timeoutMs?: number
  /** Aborting stops the upload (SUP_ERR_CLIENT_ABORTED); once the daemon has the whole archive it finishes the deploy. */
  signal?: AbortSignal
}

export interface WaitForOptions {
  /** Give up after this long with SUP_ERR_CLIENT_WAIT_TIMEOUT (default 30 s). */
  timeoutMs?: number
  /** Poll interval (default 200 ms). */
  intervalMs?: number
}

/** True when the app has all its workers, each in `state`. */
export function isAppIn (app: AppView, state: WorkerState): boolean {
  return app.workers.length === app.spec.instances && app.workers.every((w) => w.state === state)
}

function describeWorkers (app: AppView | undefined): string {
  if (app === undefined) return 'no answer yet'
  if (app.workers.length === 0) return 'no workers'
  return app.workers.map((w) => `${w.instance}: ${w.state}`).join(', ')
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => { setTimeout(resolve, ms).unref() })

/** The deploy methods of a client, on its transport. */
export function createDeployMethods (transport: Transport, getApp: (name: string, opts: { timeoutMs?: number }) => Promise<AppView>) {
  const appPath = (name: string, action: string): string => `/apps/${encodeURIComponent(name)}/${action}`

  const releases = (app: string, opts: { timeoutMs?: number } = {}): Promise<ReleaseList> =>
    transport.request({ method: 'GET', path: appPath(app, 'releases'), timeoutMs: opts.timeoutMs ?? 30_000 })

  /** The user the app was deployed as, so a redeploy without `user` lands in the same place. */
  async function userOf (app: string): Promise<string> {
    const list = await releases(app)
    return list.releases[0]?.user ?? DEFAULT_DEPLOY_USER
  }

  async function deploy (source: string | Readable, opts: DeployOptions): Promise<DeployResult> {
    const user = opts.user ?? await userOf(opts.app)
    let body: Readable
    if (typeof source === 'string') {
      // Loaded on first use: `tar` and `ignore` are not needed by any other call.
      const { packDirectory } = await import('./pack-dir.ts')
      const packed = await packDirectory(source, { onWarn: opts.onWarn })
      for (const s of packed.listing.skipped) opts.onSkip?.(s)
      body = packed.stream
    } else body = source
    const query = { instances: opts.instances === undefined ? undefined : String(opts.instances), portRange: opts.portRange }
    try {
      return await transport.upload<DeployResult>({
        path: buildPath(`/deploy/${encodeURIComponent(user)}/${encodeURIComponent(opts.app)}`, query),
        body,
        onProgress: opts.onProgress,
        timeoutMs: opts.timeoutMs,
        signal: opts.signal
      })
    } catch (err) {
      throw await explainCut(err)
    }
  }

  /** An upload cut with its answer lost: a wrong token can still be told apart by asking again (every route checks it). */
  async function explainCut (err: unknown): Promise<unknown> {
    if (!(err instanceof SupClientError) || err.code !== SUP_ERR_CLIENT_UPLOAD_CUT) return err
    try {
      await transport.request({ method: 'GET', path: '/healthz', timeoutMs: 2_000 })
    } catch (again) {
      if (again instanceof SupClientError && again.code === 'SUP_ERR_UNAUTHORIZED') return again
    }
    return err
  }

  const rollback = (app: string, id?: string, opts: { timeoutMs?: number } = {}): Promise<DeployResult> =>
    transport.request({ method: 'POST', path: appPath(app, 'rollback'), body: id === undefined ? {} : { id }, timeoutMs: opts.timeoutMs })

  async function waitFor (app: string, state: WorkerState, opts: WaitForOptions = {}): Promise<AppView> {
    const timeoutMs = opts.timeoutMs ?? 30_000
    const deadline = Date.now() + timeoutMs
    let last: AppView | undefined
    for (;;) {
      const left = deadline - Date.now()
      if (left <= 0) break
      last = await getApp(app, { timeoutMs: Math.max(1, left) }).catch((err: unknown) => {
        if (err instanceof SupClientError && err.code === 'SUP_ERR_CLIENT_TIMEOUT') return last
        throw err
      })
      if (last !== undefined && isAppIn(last, state)) return last
      await delay(Math.min(opts.intervalMs ?? WAIT_POLL_MS, Math.max(0, deadline - Date.now())))
    }
    throw new SupClientError(SUP_ERR_CLIENT_WAIT_TIMEOUT, `The workers of '${app}' were not all ${state} within ${timeoutMs} ms (${describeWorkers(last)})`, {
      hint: `see \`sup show ${app}\` and \`sup logs ${app}\``
    })
  }

  return { deploy, releases, rollback, waitFor }
}
