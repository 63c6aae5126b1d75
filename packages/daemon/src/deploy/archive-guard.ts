// Pure checks of one tar entry against the deploy rules: where it lands, what it is, what it may point to.

/** What the guard needs of a tar header. */
export interface EntryHeader {
  readonly path: string
  readonly type: string
  readonly linkpath?: string | undefined
  readonly mode?: number | undefined
}

/** The verdict: extract at `path` (relative, normalized, `package/` stripped), skip (the root itself), or refuse. */
export type EntryVerdict =
  | { readonly kind: 'extract'; readonly path: string; readonly depth: number }
  | { readonly kind: 'skip' }
  | { readonly kind: 'refuse'; readonly reason: string; readonly tooLarge?: boolean }

const ALLOWED_TYPES: ReadonlySet<string> = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink'])
const REFUSED_TYPES: Readonly<Record<string, string>> = {
  Link: 'hard links are not allowed',
  CharacterDevice: 'device files are not allowed',
  BlockDevice: 'device files are not allowed',
  FIFO: 'FIFOs are not allowed'
}

/** Splits a relative path into its segments ('.' and empty ones dropped); null when it climbs with '..'. */
export function pathSegments (path: string): string[] | null {
  const out: string[] = []
  for (const s of path.split('/')) {
    if (s === '' || s === '.') continue
    if (s === '..') return null
    out.push(s)
  }
  return out
}

/**
 * True when a symlink at `segments` pointing to `target` stays inside the release root. `..` may only lead the
 * target: those climb the link's real parent dirs (tar writes no entry through a symlink), while a `..` after a
 * name could climb out of a symlinked dir (`a -> .` then `b -> a/..`), which path arithmetic cannot see.
 */
export function isLinkInside (segments: readonly string[], target: string): boolean {
  if (target === '' || target.startsWith('/') || target.includes('\\') || target.includes('\0')) return false
  const at = segments.slice(0, -1)
  let descended = false
  for (const s of target.split('/')) {
    if (s === '' || s === '.') continue
    if (s === '..') {
      if (descended || at.length === 0) return false
      at.pop()
    } else { at.push(s); descended = true }
  }
  return true
}

/** Whether the archive is an `npm pack` one (its first entry lies under `package/`). */
export function isNpmPackLayout (firstPath: string): boolean {
  const s = pathSegments(firstPath)
  return s !== null && s.length >= 1 && s[0] === 'package'
}

/** Checks one entry; `stripPackage` drops a leading `package/` (npm pack). */
export function checkEntry (e: EntryHeader, stripPackage: boolean, maxDepth: number): EntryVerdict {
  const p = e.path
  if (p.includes('\0')) return { kind: 'refuse', reason: 'NUL byte in the path' }
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.includes('\\')) return { kind: 'refuse', reason: 'absolute path' }
  const all = pathSegments(p)
  if (all === null) return { kind: 'refuse', reason: "'..' in the path" }
  let segs = all
  if (stripPackage) {
    if (segs[0] !== 'package') return { kind: 'refuse', reason: 'outside package/ in an npm pack archive' }
    segs = segs.slice(1)
  }
  if (segs.length === 0) return e.type === 'Directory' ? { kind: 'skip' } : { kind: 'refuse', reason: 'not a directory at the archive root' }
  if (segs.length > maxDepth) return { kind: 'refuse', reason: `path deeper than ${maxDepth} levels`, tooLarge: true }
  const refused = REFUSED_TYPES[e.type]
  if (refused !== undefined) return { kind: 'refuse', reason: refused }
  if (!ALLOWED_TYPES.has(e.type)) return { kind: 'refuse', reason: `entry type ${e.type} is not allowed` }
  if (((e.mode ?? 0) & 0o6000) !== 0) return { kind: 'refuse', reason: 'setuid/setgid bit set' }
  if (e.type === 'SymbolicLink' && !isLinkInside(segs, e.linkpath ?? '')) return { kind: 'refuse', reason: `symlink pointing outside the release, or with '..' after a name (-> ${(e.linkpath ?? '').slice(0, 200)})` }
  return { kind: 'extract', path: segs.join('/'), depth: segs.length }
}

/** Quotes an entry name for an error message (bounded, control characters escaped). */
export function quoteEntry (path: string): string {
  return JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path)
}
