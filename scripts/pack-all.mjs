// `pnpm pack:all`: builds, then packs the two published packages into packed/ (or --out <dir>):
//   packed/sup-cli-<version>.tgz     @sup/cli: the `sup` command, the daemon and sup-logd (needs better-sqlite3, built at install)
//   packed/sup-client-<version>.tgz  @sup/client: the API client for deploy scripts (ESM, CommonJS, types; no native module)
// `pnpm pack` rewrites workspace: ranges; the unpublished packages (@sup/daemon, @sup/protocol) are bundled in.
// --no-build packs what the last build left.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

const ROOT = resolve(new URL('..', import.meta.url).pathname)
export const PUBLISHED = ['packages/cli', 'packages/client']
const PNPM = ['-y', 'pnpm@10.34.8']

function run (args, cwd) {
  const r = spawnSync('npx', [...PNPM, ...args], { cwd, stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status !== 0) throw new Error(`pnpm ${args.join(' ')} failed in ${cwd}`)
}

/** Packs each published package into `out`; returns the tarballs' paths. */
export function packAll ({ out = join(ROOT, 'packed'), build = true } = {}) {
  if (build) run(['build'], ROOT)
  mkdirSync(out, { recursive: true })
  for (const f of readdirSync(out)) if (/^sup-(cli|client)-.*\.tgz$/.test(f)) rmSync(join(out, f))
  const tarballs = []
  for (const dir of PUBLISHED) {
    const pkgDir = join(ROOT, dir)
    const { name, version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'))
    copyFileSync(join(ROOT, 'LICENSE'), join(pkgDir, 'LICENSE'))
    try {
      run(['pack', '--pack-destination', out], pkgDir)
    } finally {
      rmSync(join(pkgDir, 'LICENSE'), { force: true })
    }
    tarballs.push(join(out, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`))
  }
  return tarballs
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const args = process.argv.slice(2)
  const outAt = args.indexOf('--out')
  const tarballs = packAll({ build: !args.includes('--no-build'), ...(outAt >= 0 ? { out: resolve(args[outAt + 1]) } : {}) })
  process.stdout.write(`\n${tarballs.map((t) => `packed ${t}`).join('\n')}\n` +
    'install the tool: npm install -g ./packed/sup-cli-*.tgz; the client into a project: npm install <path>/sup-client-*.tgz\n')
}
