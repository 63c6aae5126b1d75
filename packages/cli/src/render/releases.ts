// `sup releases` and the answer of `sup deploy` / `sup rollback`: the releases table and a deploy's summary.
import type { DeployResult, ReleaseView } from '@sup/protocol'
import type { Colors } from './format.ts'
import { formatTime } from './format.ts'
import { formatBytes } from './progress.ts'
import { renderTable, type Column } from './table.ts'
import { renderWorkers } from './views.ts'

/** How much of a sha256 people see. */
export const SHA_PREFIX = 12

const RELEASE_COLUMNS: readonly Column[] = [
  { header: '' }, { header: 'release' }, { header: 'time' }, { header: 'size', align: 'right' }, { header: 'unpacked', align: 'right' },
  { header: 'files', align: 'right' }, { header: 'sha256' }, { header: 'user' }
]

/** Newest first, as the daemon answers; `*` marks the current release. */
export function renderReleases (releases: readonly ReleaseView[], c: Colors): string[] {
  const rows = releases.map((r) => [
    r.current ? c.green('*') : '',
    r.current ? c.bold(r.id) : r.id,
    formatTime(r.createdAt),
    formatBytes(r.size),
    formatBytes(r.unpackedSize),
    String(r.files),
    r.sha256.slice(0, SHA_PREFIX),
    r.user
  ])
  return renderTable(RELEASE_COLUMNS, rows, { formatHeader: c.dim })
}

/** `deployed hello: release <id> (sha256 <prefix>, 1.2 kB, 3 files)`, then the workers as `sup list` shows them. */
export function renderDeployResult (verb: string, result: DeployResult, now: number, c: Colors): string[] {
  const r = result.release
  return [
    `${verb} ${c.bold(r.app)}: release ${c.bold(r.id)} ${c.dim(`(sha256 ${r.sha256.slice(0, SHA_PREFIX)}, ${formatBytes(r.size)}, ${r.files} files)`)}`,
    ...renderWorkers(r.app, result.workers, now, c),
    // a 207: the workers moved, a step after the roll-out did not complete (docs/deploys.md)
    ...(result.warnings ?? []).map((w) => c.yellow(`warning: ${w.step} did not complete (${w.code}): ${w.message}`))
  ]
}
