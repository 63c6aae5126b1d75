// A private nginx master for tests: temp prefix, free loopback port, includes sup's upstream files; stopped by pid.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { freePortRange, isAlive, killPid } from './procs.ts'
import { waitFor } from './wait.ts'

const CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']
/** SIGQUIT (graceful) first; SIGKILL to the master and its workers after this. */
const STOP_GRACE_MS = 5_000
/** A port collision between freePortRange() and nginx's bind is retried on another port. */
const START_ATTEMPTS = 3

/** The nginx binary: a usual path, else `nginx` on PATH; null when there is none. */
export function nginxBinary (): string | null {
  for (const c of CANDIDATES) if (existsSync(c)) return c
  const r = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null
}

export function nginxAvailable (): boolean {
  return nginxBinary() !== null
}

/** True when nginx can run here. Without it: under CI=true a failure (CI installs it), else a loud warning and false (skip). */
export function requireNginx (): boolean {
  if (nginxAvailable()) return true
  if (process.env.CI === 'true') throw new Error('nginx is missing: CI must install it (apt-get install -y nginx-light)')
  process.stderr.write('\n!!! nginx is not installed: the tests through a real nginx are SKIPPED (apt-get install -y nginx-light) !!!\n\n')
  return false
}

export interface TestNginx {
  /** The loopback port the server block listens on. */
  readonly port: number
  /** The master's pid (nginx runs in the foreground, a child of the test). */
  readonly pid: number
  readonly reloadCommand: string[]
  readonly testCommand: string[]
  /** The master's error log (reload errors, upstream failures). */
  readonly errorLog: string
  /** Workers that accept connections: children of the master not "shutting down" (those closed their listeners). */
  workerPids (): number[]
  /** Resolves once the workers in `before` (non-empty) no longer accept: the reload that followed is what serves new connections. */
  reloaded (before: readonly number[], timeoutMs?: number): Promise<void>
  stop (): Promise<void>
}

export interface StartNginxOptions {
  /** A temp directory: nginx.conf, pid, logs and temp paths all go in it. */
  readonly dir: string
  /** What the http block includes, e.g. `<SUP_HOME>/nginx/*.conf`. */
  readonly includeGlob: string
  /** The app proxied to by the default server block (upstream `sup_<app>`); a `down` placeholder is written when missing. */
  readonly app?: string
  /** Replaces the default server block, e.g. `(port) => renderServerBlock(app, { listen: \`127.0.0.1:${port}\` })`. */
  readonly serverBlock?: (port: number) => string
}

function defaultServer (app: string, port: number): string {
  return `  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sup_${app};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502;
    }
  }`
}

function writeConf (opts: StartNginxOptions, port: number): string {
  const d = opts.dir
  const conf = `${d}/nginx.conf`
  if (opts.serverBlock === undefined && opts.app === undefined) throw new Error('startNginx: give app or serverBlock')
  const server = opts.serverBlock?.(port) ?? defaultServer(opts.app ?? '', port)
  // as root the workers would run as nobody, who cannot enter a mkdtemp (0700) prefix
  const user = process.getuid?.() === 0 ? 'user root;\n' : ''
  writeFileSync(conf, `${user}worker_processes 1;
pid ${d}/nginx.pid;
error_log ${d}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${d}/tmp/body;
  proxy_temp_path ${d}/tmp/proxy;
  fastcgi_temp_path ${d}/tmp/fastcgi;
  uwsgi_temp_path ${d}/tmp/uwsgi;
  scgi_temp_path ${d}/tmp/scgi;
  include ${opts.includeGlob};
${server}
}
`)
  return conf
}

/** Pids whose parent is `pid` (the master's workers), with their process titles. */
function childrenOf (pid: number): Array<{ pid: number; title: string }> {
  const out: Array<{ pid: number; title: string }> = []
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push({ pid: Number(d), title: readFileSync(`/proc/${d}/cmdline`, 'utf8') })
    } catch { /* gone */ }
  }
  return out
}

/** nginx retitles a worker told to quit "worker process is shutting down" as it closes its listening sockets. */
function acceptingWorkers (master: number): number[] {
  return childrenOf(master).filter((c) => c.title.includes('worker process') && !c.title.includes('shutting down')).map((c) => c.pid)
}

function tailOf (path: string): string {
  try { return readFileSync(path, 'utf8').split('\n').slice(-5).join('\n') } catch { return '' }
}

/** Starts `nginx -g 'daemon off;'` as a child (its pid is the master's), proxying 127.0.0.1:<port> to the app. */
export async function startNginx (opts: StartNginxOptions): Promise<TestNginx> {
  const bin = nginxBinary()
  if (bin === null) throw new Error('nginx is not installed')
  for (const sub of ['logs', 'tmp']) mkdirSync(`${opts.dir}/${sub}`, { recursive: true })
  const includeDir = opts.includeGlob.replace(/\/[^/]*$/, '')
  mkdirSync(includeDir, { recursive: true })
  // nginx refuses to start on an upstream it cannot find: give it the placeholder sup writes when nothing serves
  const upstreamFile = opts.app === undefined ? null : `${includeDir}/${opts.app}.conf`
  if (upstreamFile !== null && !existsSync(upstreamFile)) writeFileSync(upstreamFile, `upstream sup_${opts.app ?? ''} {\n    server 127.0.0.1:9 down;\n}\n`)
  let lastError = ''
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const { from: port } = await freePortRange(1)
    const conf = writeConf(opts, port)
    const base = [bin, '-p', opts.dir, '-e', `${opts.dir}/logs/error.log`, '-c', conf]
    rmSync(`${opts.dir}/nginx.pid`, { force: true })
    const child = spawn(bin, [...base.slice(1), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const pid = child.pid ?? 0
    // the master writes its pid file once its listening sockets are bound, but before it forks its workers: wait for a
    // worker to accept too, or a `workerPids()` taken now is empty and `reloaded()` of it returns before any reload
    const isUp = (): boolean => child.exitCode !== null || child.signalCode !== null || (existsSync(`${opts.dir}/nginx.pid`) && acceptingWorkers(pid).length > 0)
    await waitFor(isUp, { what: 'nginx to start and a worker to accept', timeoutMs: 10_000 })
    if (child.exitCode !== null || child.signalCode !== null) {
      lastError = `${stderr}${tailOf(`${opts.dir}/logs/error.log`)}`
      continue
    }
    return {
      port,
      pid,
      reloadCommand: [...base, '-s', 'reload'],
      testCommand: [...base, '-t'],
      errorLog: `${opts.dir}/logs/error.log`,
      workerPids: () => acceptingWorkers(pid),
      async reloaded (before, timeoutMs = 5_000) {
        // nothing to wait for: it would return at once, with whatever config the current workers hold
        if (before.length === 0) throw new Error('reloaded(before): `before` is empty; take workerPids() while nginx runs, before the reload')
        await waitFor(() => { const now = acceptingWorkers(pid); return now.length > 0 && now.every((w) => !before.includes(w)) }, { what: 'the old nginx workers to stop accepting', timeoutMs, intervalMs: 2 })
      },
      async stop () {
        if (!isAlive(pid)) { await exited; return }
        killPid(pid, 'SIGQUIT')
        const isDone = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_GRACE_MS))])
        if (isDone) return
        for (const w of childrenOf(pid)) killPid(w.pid, 'SIGKILL')
        killPid(pid, 'SIGKILL')
        await exited
      }
    }
  }
  throw new Error(`nginx did not start (${START_ATTEMPTS} attempts): ${lastError}`)
}
