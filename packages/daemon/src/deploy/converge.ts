// After a crash in the middle of a roll-out: some workers run the new release, the others (and the app's saved spec)
// the old one. The next daemon brings every deployed app back to ONE release, the one its saved spec names (the spec
// is saved only once a roll-out completed): `current` is pointed at it, and each worker running another release is
// replaced the zero-downtime way.
import { readFileSync, readlinkSync } from 'node:fs'
import type { AppView } from '@sup/protocol'
import type { AppSpec } from '../core/app-spec.ts'
import type { ReleaseStore } from './release-store.ts'

export interface ConvergeSupervisor {
  listApps (): AppView[]
  specOf (name: string): AppSpec | undefined
  /** Rolls these instances onto the app's own spec, one at a time, as a reload does. */
  reloadInstances (name: string, instances: readonly number[]): Promise<AppView>
}

export interface ConvergeDeps {
  readonly appsRoot: string
  readonly releases: ReleaseStore
  readonly supervisor: ConvergeSupervisor
  /** Claims the app against deploys (throws when one runs); returns the release function. */
  readonly claim: (app: string) => () => void
  readonly onEvent: (app: string, type: string, message: string) => void
}

/** The `<user>`, `<id>` of a path inside `<appsRoot>/<user>/<app>/releases/<id>`, or null. */
export function releaseOf (appsRoot: string, app: string, path: string): { user: string; id: string } | null {
  if (!path.startsWith(`${appsRoot}/`)) return null
  const m = /^([^/]+)\/([^/]+)\/releases\/([^/]+)(\/|$)/.exec(path.slice(appsRoot.length + 1))
  return m === null || m[2] !== app || m[1] === undefined || m[3] === undefined ? null : { user: m[1], id: m[3] }
}

/** The release a worker process runs: from its working directory, else from the script in its command line. */
function processRelease (appsRoot: string, app: string, pid: number): string | null {
  try {
    const byCwd = releaseOf(appsRoot, app, readlinkSync(`/proc/${pid}/cwd`))
    if (byCwd !== null) return byCwd.id
    for (const arg of readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')) {
      const r = releaseOf(appsRoot, app, arg)
      if (r !== null) return r.id
    }
  } catch { /* gone, or not ours */ }
  return null
}

/** One pass over the deployed apps; returns what it did (for the log). Errors of one app do not stop the others. */
export async function convergeReleases (d: ConvergeDeps): Promise<string[]> {
  const done: string[] = []
  for (const view of d.supervisor.listApps()) {
    const spec = d.supervisor.specOf(view.name)
    const target = spec === undefined ? null : releaseOf(d.appsRoot, view.name, spec.cwd)
    if (target === null || d.releases.get(view.name, target.id) === null) continue
    let release: (() => void) | null = null
    try {
      release = d.claim(view.name)
      if (d.releases.currentId(target.user, view.name) !== target.id) {
        // the roll-out had completed (its spec was saved) but `current` was not switched yet
        d.releases.markDeployed(view.name, target.id)
        d.releases.switchCurrent(target.user, view.name, target.id)
        done.push(`${view.name}: current -> ${target.id}`)
      }
      const stray = view.workers.filter((w) => {
        const runs = w.pid === null ? null : processRelease(d.appsRoot, view.name, w.pid)
        return runs !== null && runs !== target.id
      })
      if (stray.length > 0) {
        const instances = stray.map((w) => w.instance)
        d.onEvent(view.name, 'deploy-converge', `instance(s) ${instances.join(', ')} ran another release than ${target.id} after an interrupted roll-out: replacing them`)
        await d.supervisor.reloadInstances(view.name, instances)
        done.push(`${view.name}: instance(s) ${instances.join(', ')} back on ${target.id}`)
      }
    } catch (err) {
      done.push(`${view.name}: ${err instanceof Error ? err.message : String(err)}`)
    } finally { release?.() }
  }
  return done
}
