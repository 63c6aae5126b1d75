// Watches an app's files (chokidar) and reports a debounced change: the trigger of `--watch` reloads.
// chokidar is imported by the first watch, not at the daemon's start: most daemons watch nothing.
import type { FSWatcher } from 'chokidar'

/** Always ignored: dependencies, VCS data and sup's own files (a log written must never trigger a reload). */
const ALWAYS_IGNORED = ['/node_modules/', '/.git/', '/node_modules', '/.git']
/** And what apps write as they run, never code: logs, pid files, SQLite databases and their journals. Each write would
 * reload the app, whose new worker writes again: a reload every second, for good. */
const RUNTIME_FILES = /\.(log|pid|sqlite3?|db)(-journal|-wal|-shm)?$/i

/** A `--watch-ignore` pattern: `*` matches within a path segment, `**` across; otherwise a substring of the path. */
export function ignoreMatcher (patterns: readonly string[], extraDirs: readonly string[]): (path: string) => boolean {
  const regexes = patterns.map((p) => p.includes('*')
    ? new RegExp(p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '.*'))
    : null)
  return (path) => ALWAYS_IGNORED.some((s) => path.includes(s) && (path.endsWith(s) || path.includes(`${s}/`) || s.endsWith('/'))) ||
    RUNTIME_FILES.test(path) ||
    extraDirs.some((d) => path === d || path.startsWith(`${d}/`)) ||
    patterns.some((p, i) => regexes[i]?.test(path) ?? path.includes(p))
}

/** Starts watching; `onChange(path)` fires once per burst, debounceMs after the last event. Returns a closer. */
export function watchForChanges (paths: readonly string[], ignore: (path: string) => boolean, debounceMs: number, onChange: (path: string) => void, onReady: () => void = () => undefined): () => Promise<void> {
  let timer: NodeJS.Timeout | null = null
  let last = ''
  let isClosed = false
  const fire = (path: string): void => {
    last = path
    if (timer !== null) clearTimeout(timer)
    timer = setTimeout(() => { timer = null; onChange(last) }, debounceMs)
  }
  const watching: Promise<FSWatcher | null> = import('chokidar').then(({ watch }) => {
    if (isClosed) return null
    const watcher = watch([...paths], { ignoreInitial: true, ignored: (p: string) => ignore(p), persistent: true })
    watcher.on('all', (_event, path) => fire(path))
    watcher.on('error', () => undefined)
    // Changes are seen only once the initial scan is done: say when that is
    watcher.once('ready', onReady)
    return watcher
  })
  return async () => {
    isClosed = true
    if (timer !== null) clearTimeout(timer)
    await (await watching)?.close()
  }
}
