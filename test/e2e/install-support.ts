// The packed-install test's helpers: pack, a local prebuilt mirror for better-sqlite3, npm into a temp prefix.
import { execFile, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { REPO_ROOT } from '@sup/test-support'

export interface Run { code: number; stdout: string; stderr: string }

/** Runs a command, never rejects; output kept for the assertion messages. */
export function run (cmd: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
    })
  })
}

/** What reaching the registry takes on this machine (its CA, a proxy): kept, like npm's own settings below. */
const NETWORK_ENV = /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|https?_proxy|no_proxy)$/i

/**
 * A machine with Node and npm only: the installed prefix's bin, Node's own dir (node, npm), the system dirs. npm keeps
 * this machine's global npmrc (its cafile, nodedir): `--prefix` would otherwise look for one under the temp prefix.
 */
export function plainEnv (prefix: string, home: string): NodeJS.ProcessEnv {
  const network = Object.fromEntries(Object.entries(process.env).filter(([k]) => NETWORK_ENV.test(k)))
  const globalconfig = spawnSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8' }).stdout.trim()
  return {
    ...network,
    ...(globalconfig === '' ? {} : { npm_config_globalconfig: globalconfig }),
    PATH: [join(prefix, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: process.env.HOME ?? '/root',
    SUP_HOME: home,
    NO_COLOR: '1',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false'
  }
}

/**
 * better-sqlite3 as the repository built it (same version, same Node), packed the way prebuild-install downloads a
 * prebuilt binary: served on 127.0.0.1 through npm_config_better_sqlite3_binary_host, the install's own install script
 * takes it instead of compiling for ~90 s. Null (so npm compiles) when SUP_INSTALL_FROM_SOURCE=1 or nothing is built.
 */
export function localPrebuilt (workDir: string): { version: string; tarball: string } | null {
  if (process.env.SUP_INSTALL_FROM_SOURCE === '1') return null
  const pkgJson = createRequire(join(REPO_ROOT, 'packages/daemon/package.json')).resolve('better-sqlite3/package.json')
  const addon = join(dirname(pkgJson), 'build/Release/better_sqlite3.node')
  if (!existsSync(addon)) return null
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version
  const stage = join(workDir, 'prebuilt')
  mkdirSync(join(stage, 'build/Release'), { recursive: true })
  spawnSync('cp', [addon, join(stage, 'build/Release/better_sqlite3.node')])
  const tarball = join(workDir, 'prebuilt.tar.gz')
  const r = spawnSync('tar', ['czf', tarball, '-C', stage, 'build'])
  return r.status === 0 ? { version, tarball } : null
}

/** Serves the prebuilt for this Node's ABI on 127.0.0.1 (404 for anything else: npm then compiles). */
export async function servePrebuilt (prebuilt: { version: string; tarball: string }): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = []
  const wanted = `/v${prebuilt.version}/better-sqlite3-v${prebuilt.version}-node-v${process.versions.modules}-linux-x64.tar.gz`
  const server = createServer((req, res) => {
    hits.push(req.url ?? '')
    if (req.url !== wanted) { res.statusCode = 404; res.end(); return }
    res.setHeader('content-type', 'application/gzip')
    res.end(readFileSync(prebuilt.tarball))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, server, hits }
}
