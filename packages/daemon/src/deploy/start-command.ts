// Picks a release's start command: `scripts.start` when it is `node <file> [args]`, else `main`, else server.js/app.js/index.js.
// sup never runs scripts.start through a shell: anything else in it is refused (docs/deploys.md).
import { realpathSync, statSync } from 'node:fs'
import { SUP_ERR_NO_START_COMMAND } from '../errors.ts'
import { pathSegments } from './archive-guard.ts'

export interface StartCommand {
  /** The script, relative to the release root. */
  readonly file: string
  readonly args: string[]
  /** Where it came from, for messages. */
  readonly source: 'scripts.start' | 'main' | 'default'
}

const DEFAULT_FILES = ['server.js', 'app.js', 'index.js'] as const
const SAFE_WORD = /^[A-Za-z0-9@%+=:,./_-]+$/

/** Parses `node <file> [args...]`: plain words only, no shell syntax, no node flags. */
export function parseStartScript (text: string): { file: string; args: string[] } | string {
  const words = text.trim().split(/\s+/)
  if (words[0] !== 'node') return 'scripts.start must be `node <file> [args...]` (sup does not run it through a shell)'
  const file = words[1]
  if (file === undefined) return 'scripts.start names no file after `node`'
  if (file.startsWith('-')) return 'scripts.start may not pass node flags (put them in the code or NODE_OPTIONS in the sup field\'s env)'
  for (const w of words.slice(1)) if (!SAFE_WORD.test(w)) return `scripts.start has shell syntax or quoting in '${w.slice(0, 80)}'; sup runs no shell: use \`node <file> [plain args]\``
  return { file, args: words.slice(2) }
}

/** True when `rel` is a regular file inside `root` (no '..', no symlink leading out). */
export function isFileInside (root: string, rel: string): boolean {
  const segs = pathSegments(rel)
  if (segs === null || segs.length === 0 || rel.startsWith('/')) return false
  try {
    const real = realpathSync(`${root}/${segs.join('/')}`)
    const rootReal = realpathSync(root)
    return real.startsWith(`${rootReal}/`) && statSync(real).isFile()
  } catch { return false }
}

/** The start command of the release unpacked at `root`, from its package.json (null when it has none). */
export function pickStartCommand (root: string, pkg: Record<string, unknown> | null): StartCommand {
  const scripts = pkg?.scripts
  const start = typeof scripts === 'object' && scripts !== null ? (scripts as Record<string, unknown>).start : undefined
  if (typeof start === 'string') {
    const parsed = parseStartScript(start)
    if (typeof parsed === 'string') throw new SUP_ERR_NO_START_COMMAND(parsed)
    if (!isFileInside(root, parsed.file)) throw new SUP_ERR_NO_START_COMMAND(`scripts.start runs '${parsed.file.slice(0, 200)}', which is not a file in the release`)
    return { file: pathSegments(parsed.file)?.join('/') ?? parsed.file, args: parsed.args, source: 'scripts.start' }
  }
  const main = pkg?.main
  if (typeof main === 'string') {
    if (!isFileInside(root, main)) throw new SUP_ERR_NO_START_COMMAND(`"main" is '${main.slice(0, 200)}', which is not a file in the release`)
    return { file: pathSegments(main)?.join('/') ?? main, args: [], source: 'main' }
  }
  for (const f of DEFAULT_FILES) if (isFileInside(root, f)) return { file: f, args: [], source: 'default' }
  throw new SUP_ERR_NO_START_COMMAND('package.json has no scripts.start nor "main", and there is no server.js, app.js or index.js')
}
