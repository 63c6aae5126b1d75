// Which releases of an app something still uses: its saved spec, its workers' processes, a roll-out it could not undo.
import { readFileSync, readlinkSync } from 'node:fs'
import type { AppView } from '@sup/protocol'
import type { AppSpec } from '../core/app-spec.ts'

/** The paths a live process runs from: its working directory and the arguments of its command line. */
function processPaths (pid: number): string[] {
  const out: string[] = []
  try { out.push(readlinkSync(`/proc/${pid}/cwd`).replace(/ \(deleted\)$/, '')) } catch { /* gone */ }
  try { out.push(...readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a.startsWith('/'))) } catch { /* gone */ }
  return out
}

/** Every path the app's definition and live workers use (a worker in backoff has no process: its spec is the app's). */
export function pathsInUse (spec: AppSpec | undefined, view: AppView | undefined): string[] {
  const paths = spec === undefined ? [] : [spec.cwd, spec.script]
  for (const w of view?.workers ?? []) if (w.pid !== null) paths.push(...processPaths(w.pid))
  return paths
}

/** The ids of the candidate releases (id -> its directory) that one of `paths` lies in. */
export function releasesUsed (paths: readonly string[], dirs: ReadonlyMap<string, string>): Set<string> {
  const used = new Set<string>()
  for (const [id, dir] of dirs) if (paths.some((p) => p === dir || p.startsWith(`${dir}/`))) used.add(id)
  return used
}
