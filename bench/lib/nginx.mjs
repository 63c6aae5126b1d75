// A private nginx master for the reload figure: temp prefix, one loopback port, includes sup's upstream file.
// Stopped by pid (SIGQUIT, then SIGKILL). Same shape as test/support/src/nginx.ts, in plain JS for the bench.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { deadlineIn, now, sleep } from './timing.mjs'

const CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx']

export const nginxBinary = () => CANDIDATES.find((c) => existsSync(c)) ?? null

/** Starts `nginx -g 'daemon off;'` listening on 127.0.0.1:port, proxying to upstream `sup_<app>` from `includeDir`. */
export async function startNginx ({ dir, includeDir, app, port }) {
  const bin = nginxBinary()
  if (bin === null) throw new Error('nginx is not installed (apt-get install -y nginx-light)')
  for (const sub of ['logs', 'tmp']) mkdirSync(`${dir}/${sub}`, { recursive: true })
  mkdirSync(includeDir, { recursive: true })
  const upstream = `${includeDir}/${app}.conf`
  if (!existsSync(upstream)) writeFileSync(upstream, `upstream sup_${app} {\n    server 127.0.0.1:9 down;\n}\n`)
  const user = process.getuid?.() === 0 ? 'user root;\n' : ''
  writeFileSync(`${dir}/nginx.conf`, `${user}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy; fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
  include ${includeDir}/*.conf;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sup_${app};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502;
    }
  }
}
`)
  const base = [bin, '-p', dir, '-e', `${dir}/logs/error.log`, '-c', `${dir}/nginx.conf`]
  const child = spawn(bin, [...base.slice(1), '-g', 'daemon off;'], { stdio: 'ignore' })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const deadline = deadlineIn(10_000)
  while (!existsSync(`${dir}/nginx.pid`)) {
    if (child.exitCode !== null || now() > deadline) throw new Error(`nginx did not start (see ${dir}/logs/error.log)`)
    await sleep(10)
  }
  return {
    pid: child.pid,
    env: { SUP_NGINX_RELOAD: [...base, '-s', 'reload'].join(' '), SUP_NGINX_TEST: [...base, '-t'].join(' ') },
    async stop () {
      try { process.kill(child.pid, 'SIGQUIT') } catch { return }
      const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)])
      if (!done) { try { process.kill(child.pid, 'SIGKILL') } catch {} await exited }
    }
  }
}
