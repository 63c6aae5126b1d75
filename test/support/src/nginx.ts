// A private nginx master for e2e tests: temp prefix, free loopback port, includes sup's upstream files; stopped by pid.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { freePortRange, isAlive } from './procs.ts'
import { waitFor } from './wait.ts'

const CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx']

export function nginxBinary (): string | null {
  for (const c of CANDIDATES) if (existsSync(c)) return c
  const r = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null
}

/** True when nginx can run here. Without it: under CI=true a failure (CI installs it), else a loud skip. */
export function requireNginx (): boolean {
  if (nginxBinary() !== null) return true
  if (process.env.CI === 'true') throw new Error('nginx is missing: CI must install it (apt-get install -y nginx-light)')
  process.stderr.write('\n!!! nginx is not installed: the nginx e2e tests are SKIPPED (apt-get install -y nginx-light) !!!\n\n')
  return false
}

export interface TestNginx {
  readonly port: number
  readonly pid: number
  readonly reloadCommand: string[]
  readonly testCommand: string[]
  stop (): Promise<void>
}

/** Starts `nginx -g 'daemon off;'` as a child (its pid is the master's) proxying 127.0.0.1:<port> to sup_<app>. */
export async function startNginx (opts: { dir: string; includeGlob: string; app: string }): Promise<TestNginx> {
  const bin = nginxBinary()
  if (bin === null) throw new Error('nginx is not installed')
  const { from: port } = await freePortRange(1)
  mkdirSync(`${opts.dir}/logs`, { recursive: true })
  mkdirSync(`${opts.dir}/tmp`, { recursive: true })
  const includeDir = opts.includeGlob.replace(/\/[^/]*$/, '')
  mkdirSync(includeDir, { recursive: true })
  // nginx refuses to start on an upstream it cannot find: give it the placeholder sup would write
  const upstreamFile = `${includeDir}/${opts.app}.conf`
  if (!existsSync(upstreamFile)) writeFileSync(upstreamFile, `upstream sup_${opts.app.replace(/[^A-Za-z0-9_]/g, '_')} {\n    server 127.0.0.1:9 down;\n}\n`)
  const conf = `${opts.dir}/nginx.conf`
  const user = process.getuid?.() === 0 ? 'user root;\n' : ''
  writeFileSync(conf, `${user}worker_processes 1;
pid ${opts.dir}/nginx.pid;
error_log ${opts.dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${opts.dir}/tmp/body;
  proxy_temp_path ${opts.dir}/tmp/proxy;
  fastcgi_temp_path ${opts.dir}/tmp/fastcgi;
  uwsgi_temp_path ${opts.dir}/tmp/uwsgi;
  scgi_temp_path ${opts.dir}/tmp/scgi;
  include ${opts.includeGlob};
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sup_${opts.app.replace(/[^A-Za-z0-9_]/g, '_')};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502;
    }
  }
}
`)
  const base = [bin, '-p', opts.dir, '-c', conf]
  const child = spawn(bin, ['-p', opts.dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const pid = child.pid ?? 0
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await waitFor(() => existsSync(`${opts.dir}/nginx.pid`) || child.exitCode !== null, { what: 'nginx to start', timeoutMs: 10_000 })
  if (child.exitCode !== null) throw new Error(`nginx did not start: ${stderr}`)
  return {
    port,
    pid,
    reloadCommand: [...base, '-s', 'reload'],
    testCommand: [...base, '-t', '-q'],
    async stop () {
      if (!isAlive(pid)) return
      process.kill(pid, 'SIGQUIT')
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000))])
      if (!done) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } await exited }
    }
  }
}
