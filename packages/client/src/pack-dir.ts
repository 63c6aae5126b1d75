// A directory as a deployable gzip tarball: .gitignore/.supignore rules (nested too), no node_modules, no .git, no links out.
import { lstat, readdir, readFile, readlink, realpath } from 'node:fs/promises'
import { join, resolve, sep } from 'node:path'
import { pipeline, Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import ignore, { type Ignore } from 'ignore'
import { create as createTar } from 'tar'
import { SupClientError, SUP_ERR_CLIENT_DEPLOY_SOURCE } from './errors.ts'

/** Directories never deployed, wherever they are: the server installs dependencies itself. */
export const ALWAYS_SKIPPED: readonly string[] = ['node_modules', '.git']
/** Files holding gitignore-syntax rules, read in every directory; .supignore's rules come after (and win over) .gitignore's. */
export const IGNORE_FILES: readonly string[] = ['.gitignore', '.supignore']

/** Something left out of the archive that the rules did not ask for (a link pointing outside, a socket...). */
export interface PackSkip { readonly path: string; readonly reason: string }

/** What goes in the archive, in archive order (paths relative to the root, `/`-separated, parents first). */
export interface PackListing {
  readonly root: string
  readonly entries: readonly string[]
  readonly skipped: readonly PackSkip[]
}

/** One directory's rules: `base` is that directory relative to the root ('' for the root itself). */
export interface RuleSet { readonly base: string; readonly ig: Ignore }

async function readRules (absDir: string, base: string): Promise<RuleSet[]> {
  const sets: RuleSet[] = []
  for (const name of IGNORE_FILES) {
    let text: string
    try { text = await readFile(join(absDir, name), 'utf8') } catch { continue }
    sets.push({ base, ig: ignore().add(text) })
  }
  return sets
}

/** git's precedence: rules of deeper directories, and later rules, override earlier ones (`!pattern` re-includes). */
export function isIgnoredBy (rules: readonly RuleSet[], path: string, isDir: boolean): boolean {
  let ignored = false
  for (const r of rules) {
    const rel = r.base === '' ? path : path.slice(r.base.length + 1)
    const t = r.ig.test(isDir ? `${rel}/` : rel)
    if (t.ignored) ignored = true
    else if (t.unignored) ignored = false
  }
  return ignored
}

/** True when `target` (a link's text) stays inside the root, lexically, from the link at `path`. */
function isLexicallyInside (path: string, target: string): boolean {
  if (target === '' || target.startsWith('/')) return false
  const at = path.split('/').slice(0, -1)
  for (const s of target.split('/')) {
    if (s === '' || s === '.') continue
    if (s === '..') { if (at.length === 0) return false; at.pop() } else at.push(s)
  }
  return true
}

/** Why a symlink is left out, or null to keep it (as a link: never followed). */
async function linkProblem (root: string, realRoot: string, path: string): Promise<string | null> {
  const target = await readlink(join(root, path))
  if (target.startsWith('/')) return `symlink with an absolute target (-> ${target})`
  if (!isLexicallyInside(path, target)) return `symlink pointing outside the directory (-> ${target})`
  let real: string
  try { real = await realpath(join(root, path)) } catch { return null } // dangling but inside: harmless
  return real === realRoot || real.startsWith(`${realRoot}${sep}`) ? null : `symlink resolving outside the directory (-> ${target})`
}

/** Lists what `packDirectory()` archives: every file, directory and inward symlink the rules keep. */
export async function listPackFiles (dir: string): Promise<PackListing> {
  const root = resolve(dir)
  let st
  try { st = await lstat(root) } catch (err) {
    throw new SupClientError(SUP_ERR_CLIENT_DEPLOY_SOURCE, `Cannot read ${root}: ${(err as Error).message}`, { cause: err })
  }
  if (!st.isDirectory()) throw new SupClientError(SUP_ERR_CLIENT_DEPLOY_SOURCE, `${root} is not a directory`, { hint: 'deploy a directory, or pass a stream of a tar.gz' })
  const realRoot = await realpath(root)
  const entries: string[] = []
  const skipped: PackSkip[] = []
  const subdirSet = new Set<string>()

  async function walk (base: string, inherited: readonly RuleSet[]): Promise<void> {
    const abs = base === '' ? root : join(root, base)
    const rules = [...inherited, ...(await readRules(abs, base))]
    const dirents = (await readdir(abs, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    const subdirs: string[] = []
    // Files before directories: an archive whose first entry is under `package/` would read as `npm pack` output
    for (const d of dirents) {
      const path = base === '' ? d.name : `${base}/${d.name}`
      if (d.isDirectory()) {
        if (!ALWAYS_SKIPPED.includes(d.name) && !isIgnoredBy(rules, path, true)) subdirs.push(path)
        continue
      }
      if (isIgnoredBy(rules, path, false)) continue
      if (d.isFile()) entries.push(path)
      else if (d.isSymbolicLink()) {
        const problem = await linkProblem(root, realRoot, path)
        if (problem === null) entries.push(path)
        else skipped.push({ path, reason: problem })
      } else skipped.push({ path, reason: 'not a regular file, directory or symlink' })
    }
    for (const path of subdirs) {
      subdirSet.add(path)
      entries.push(path)
      await walk(path, rules)
    }
  }

  await walk('', [])
  // Directories alone deploy nothing: said here, not by tar ("no paths specified") or by the daemon after the upload
  if (!entries.some((e) => !subdirSet.has(e))) {
    throw new SupClientError(SUP_ERR_CLIENT_DEPLOY_SOURCE, `Nothing to deploy: ${root} has no file to pack`, {
      hint: `its .gitignore and .supignore rules may leave every file out (${ALWAYS_SKIPPED.join(' and ')} are never packed)`
    })
  }
  return { root, entries, skipped }
}

/** Bytes read from a file at a time while packing. */
export const PACK_READ_BYTES = 256 * 1024

export interface PackOptions {
  /** tar's warnings (a file that vanished between listing and packing...). */
  onWarn?: ((message: string) => void) | undefined
}

/** The listed entries as a gzip'd tar stream, read from disk as it is consumed (never the whole archive in memory). */
export function packListing (listing: PackListing, options: PackOptions = {}): Readable {
  const tar = createTar({
    cwd: listing.root,
    gzip: false,
    portable: true,
    follow: false,
    noDirRecurse: true,
    // tar reads files in blocks of up to 16 MB by default: smaller blocks keep the memory of a big upload small.
    maxReadSize: PACK_READ_BYTES,
    onwarn: (_code: string, message: string | Error) => options.onWarn?.(typeof message === 'string' ? message : message.message)
  }, [...listing.entries])
  const gzip = createGzip()
  // Destroying the returned stream (a failed upload) ends the tar reader too.
  pipeline(Readable.from(tar), gzip, () => undefined)
  return gzip
}

/** `dir` as a gzip'd tarball stream, with the deploy ignore rules; `skipped` says what was left out and why. */
export async function packDirectory (dir: string, options: PackOptions = {}): Promise<{ stream: Readable; listing: PackListing }> {
  const listing = await listPackFiles(dir)
  return { stream: packListing(listing, options), listing }
}

