// Helpers of the deploy e2e tests: generated apps (and local npm dependencies), tarballs, uploads over the unix
// socket or TCP, release trees.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { dirname } from 'node:path'
import { onTestFinished } from 'vitest'

export interface DeployAnswer {
  status: number
  body: {
    release?: { id: string; sha256: string; size: number; current: boolean }
    workers?: Array<{ instance: number; pid: number | null; port: number | null; state: string }>
    releases?: Array<{ id: string; current: boolean; user?: string }>
    error?: { code: string; message: string; output?: string[] }
  }
}

/** A temp dir holding `files` (relative path -> content), removed after the test. */
export function makeDir (files: Record<string, string>, prefix = '/tmp/sup-app-'): string {
  const dir = mkdtempSync(prefix)
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(`${dir}/${rel}`), { recursive: true })
    writeFileSync(`${dir}/${rel}`, text)
  }
  return dir
}

/**
 * server.js of an app answering `<word> <pid>`; with `waitFor`, it writes `<stateDir>/started-<pid>` (holding its
 * instance number) and listens only once the file `<waitFor>-<instance>` exists (a release whose workers become ready
 * when the test says so); `requires`: modules whose exports it prints too.
 */
export function serverJs (word: string, opts: { stateDir?: string; waitFor?: string; requires?: readonly string[] } = {}): string {
  const req = opts.requires ?? []
  const dep = req.length === 0 ? '' : `import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\nconst deps = ${JSON.stringify(req)}.map((d) => require(d)).join(' ')\n`
  const body = req.length === 0 ? '`' + word + ' ${process.pid}\\n`' : '`' + word + ' ${deps} ${process.pid}\\n`'
  const listen = opts.waitFor === undefined
    ? 'server.listen(port, () => console.log(`listening on ${port}`))'
    : `writeFileSync(${JSON.stringify(`${opts.stateDir ?? '/tmp'}/started-`)} + process.pid, process.env.SUP_INSTANCE)
const wait = setInterval(() => {
  if (!existsSync(${JSON.stringify(`${opts.waitFor}-`)} + process.env.SUP_INSTANCE)) return
  clearInterval(wait)
  server.listen(port, () => console.log(\`listening on \${port}\`))
}, 20)`
  return `import http from 'node:http'
import { existsSync, writeFileSync } from 'node:fs'
${dep}const port = Number(process.env.PORT)
const server = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(${body}) })
${listen}
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeAllConnections(); setTimeout(() => process.exit(0), 2000).unref() })
`
}

/** package.json of a generated app (ESM, main server.js, short drain). */
export function packageJson (extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', main: 'server.js', private: true, sup: { drain: '200ms', listenTimeout: '30s' }, ...extra }, null, 2)
}

/**
 * A local dependency `vendor/<name>` (CommonJS, exports `value`); `installScript` becomes its `install` lifecycle
 * script, run by npm as `node install.js` (`installJs` is that file).
 */
export function localDep (name: string, value: string, installJs?: string): Record<string, string> {
  const pkg: Record<string, unknown> = { name, version: '1.0.0', main: 'index.js' }
  if (installJs !== undefined) pkg.scripts = { install: 'node install.js' }
  return {
    [`vendor/${name}/package.json`]: JSON.stringify(pkg),
    [`vendor/${name}/index.js`]: `module.exports = ${JSON.stringify(value)}\n`,
    ...(installJs === undefined ? {} : { [`vendor/${name}/install.js`]: installJs })
  }
}

/** Lines of an install script that write `<stateDir>/npm-pids`: its pid and every ancestor in its process group (npm's). */
function recordNpmPids (stateDir: string): string {
  return `const stat = (pid) => { const s = fs.readFileSync('/proc/' + pid + '/stat', 'latin1'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return { ppid: Number(f[1]), pgid: Number(f[2]) } }
const group = stat(process.pid).pgid
const pids = [process.pid]
for (let p = process.ppid; p > 1 && stat(p).pgid === group; p = stat(p).ppid) pids.push(p)
fs.writeFileSync(${JSON.stringify(`${stateDir}/npm-pids`)}, pids.join(' '))
`
}

/** An install script that records npm's pids (see recordNpmPids) and waits for `<stateDir>/<goFile>` (never, unless the test writes it). */
export function waitingInstallJs (stateDir: string, goFile = 'install-go'): string {
  return `const fs = require('node:fs')
${recordNpmPids(stateDir)}console.log('install script waiting for ${goFile}')
setInterval(() => { if (fs.existsSync(${JSON.stringify(`${stateDir}/${goFile}`)})) process.exit(0) }, 20)
`
}

/** An install script that prints `message` on stderr and exits 1. */
export function failingInstallJs (message: string): string {
  return `console.log('some progress line')\nconsole.error(${JSON.stringify(message)})\nprocess.exit(1)\n`
}

/** `tar -cz -C dir .` */
export function tarDir (dir: string): Buffer {
  return execFileSync('tar', ['-cz', '-C', dir, '.'], { maxBuffer: 256 * 1024 ** 2 })
}

export interface Target { socketPath?: string; port?: number; token?: string }

/** One HTTP request to the daemon (unix socket or 127.0.0.1:port); the answer parsed as JSON. Rejects on a socket error. */
export function call (t: Target, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<DeployAnswer> {
  return new Promise((resolve, reject) => {
    const where = t.socketPath === undefined ? { host: '127.0.0.1', port: t.port } : { socketPath: t.socketPath }
    const auth = t.token === undefined ? {} : { authorization: `Bearer ${t.token}` }
    const type = body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'application/json' : 'application/gzip' }
    const req = request({ ...where, path, method, agent: false, headers: { ...type, ...auth, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as DeployAnswer['body'] }) } catch { reject(new Error(`not JSON (${res.statusCode ?? 0}): ${text.slice(0, 300)}`)) }
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Every file under `dir` (symlinks by target), relative path -> content; `skip` drops top-level names. */
export function tree (dir: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (abs: string, rel: string): void => {
    for (const d of readdirSync(abs, { withFileTypes: true })) {
      const r = rel === '' ? d.name : `${rel}/${d.name}`
      if (rel === '' && skip.includes(d.name)) continue
      if (d.isDirectory()) walk(`${abs}/${d.name}`, r)
      else out[r] = d.isSymbolicLink() ? `-> link` : readFileSync(`${abs}/${d.name}`, 'utf8')
    }
  }
  walk(dir, '')
  return out
}
