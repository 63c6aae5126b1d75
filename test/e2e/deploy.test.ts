// e2e deploys: real daemon, real curl over the unix socket, real npm-less apps, real nginx under load.
import { execFile, execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { EXAMPLES, freePortRange, httpGet, requireNginx, runSup, startLoad, startNginx, useSupHome, waitFor } from '@sup/test-support'

const hasNginx = requireNginx()
const CANARY = `canary-${Math.random().toString(36).slice(2)}-secret`
const APP_CANARY = `app-canary-${Math.random().toString(36).slice(2)}`

interface Deployed { release?: { id: string; sha256: string; size: number; current: boolean }; workers?: Array<{ instance: number; pid: number | null; port: number | null; state: string }>; error?: { code: string; message: string; output?: string[] } }

/** A copy of examples/hello answering `<word> from pid N`; `sup` field with the app's secret env. */
function appDir (word: string, extra: { throwAtStart?: boolean } = {}): string {
  const dir = mkdtempSync('/tmp/sup-app-')
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(`${EXAMPLES}/hello`, dir, { recursive: true })
  const src = readFileSync(`${dir}/server.js`, 'utf8').replace('hello from pid', `${word} from pid`)
  writeFileSync(`${dir}/server.js`, extra.throwAtStart === true ? `console.log('booting ${word}')\nthrow new Error('boom at start ${word}')\n${src}` : src)
  const pkg = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')) as Record<string, unknown>
  writeFileSync(`${dir}/package.json`, JSON.stringify({ ...pkg, sup: { env: { APP_SECRET: APP_CANARY }, drain: '300ms', listenTimeout: '2s' } }))
  return dir
}

/**
 * `tar -cz . | curl -XPOST -sSNT- --unix-socket …` as the issue says. Asynchronous: the load runs in this process,
 * and a synchronous child would freeze it for the whole deploy (no request sent during the roll-out, and the
 * connections it had opened answered seconds later).
 */
function curlDeploy (home: string, dir: string, path: string): Promise<Deployed> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', `tar -cz -C "$DIR" . | curl -XPOST -sSNT- --unix-socket "$SOCK" "http://x${path}"`], { env: { ...process.env, DIR: dir, SOCK: `${home}/sup.sock` }, encoding: 'utf8', timeout: 60_000 }, (err, stdout) => {
      try { resolve(JSON.parse(stdout) as Deployed) } catch { reject(err ?? new Error(`not JSON: ${stdout.slice(0, 300)}`)) }
    })
  })
}

/** curlJson without blocking this process (see curlDeploy). */
function curlJsonAsync (home: string, method: string, path: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-X', method, '--unix-socket', `${home}/sup.sock`, '-H', 'content-type: application/json', '-d', body, `http://x${path}`], { encoding: 'utf8' }, (err, stdout) => { if (err === null) resolve(stdout); else reject(err) })
  })
}

function curlJson (home: string, method: string, path: string, body?: string): string {
  return execFileSync('curl', ['-sS', '-X', method, '--unix-socket', `${home}/sup.sock`, ...(body === undefined ? [] : ['-H', 'content-type: application/json', '-d', body]), `http://x${path}`], { encoding: 'utf8' })
}

/** Every file under a dir (logs, db, daemon.log …), as text. */
function allFiles (dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && !d.parentPath.includes('/apps/')).map((d) => `${d.parentPath}/${d.name}`)
}

async function setup () {
  const home = useSupHome()
  const nginx = await startNginx({ dir: `${home}/nginx-prefix`, includeGlob: `${home}/nginx/*.conf`, app: 'hello' })
  onTestFinished(() => nginx.stop())
  const env = { SUP_NGINX_RELOAD: nginx.reloadCommand.join(' '), SUP_NGINX_TEST: nginx.testCommand.join(' '), CANARY_SECRET: CANARY }
  const range = await freePortRange(6)
  const r = await runSup(home, ['list'], { env })
  expect(r.code, r.stderr).toBe(0)
  return { home, nginx, env, range, q: `?instances=2&portRange=${range.range}` }
}

describe.skipIf(!hasNginx)('deploys', () => {
  it('curl deploys examples/hello, a changed app under load, a broken one, a rollback: zero failed requests, no secret leaks', async () => {
    const { home, nginx, q } = await setup()
    const outputs: string[] = []
    // 1. first deploy: the release and running workers, answering on their ports and through nginx
    const first = await curlDeploy(home, appDir('hello'), `/deploy/alice/hello${q}`)
    outputs.push(JSON.stringify(first))
    expect(first.release?.current).toBe(true)
    expect(first.workers?.map((w) => w.state)).toEqual(['online', 'online'])
    for (const w of first.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toMatch(/^hello from pid/)
    await waitFor(async () => /^hello from/.test((await httpGet(nginx.port)).body), { what: 'nginx to route to hello' })
    expect(readlinkSync(`${home}/apps/alice/hello/current`)).toBe(`releases/${first.release?.id ?? ''}`)

    // 2. a changed app under load: zero failed requests, every pid replaced, the new code answering
    let load = startLoad(nginx.port, { maxMs: 30_000 })
    await waitFor(() => load.result.ok > 100, { what: 'load to run' })
    const second = await curlDeploy(home, appDir('v2'), `/deploy/alice/hello${q}`)
    outputs.push(JSON.stringify(second))
    let result = await load.stop()
    expect(second.error).toBeUndefined()
    expect(result.failures).toEqual([])
    const oldPids = (first.workers ?? []).map((w) => w.pid)
    for (const w of second.workers ?? []) expect(oldPids).not.toContain(w.pid)
    expect((await httpGet(nginx.port)).body).toMatch(/^v2 from pid/)

    // 3. an app that throws at start: an error with its output, v2 still serving, zero failed requests
    load = startLoad(nginx.port, { maxMs: 30_000 })
    await waitFor(() => load.result.ok > 100, { what: 'load to run' })
    const broken = await curlDeploy(home, appDir('v3', { throwAtStart: true }), `/deploy/alice/hello${q}`)
    outputs.push(JSON.stringify(broken))
    result = await load.stop()
    expect(broken.error?.code).toBe('SUP_ERR_DEPLOY_FAILED')
    expect((broken.error?.output ?? []).join('\n')).toMatch(/boom at start v3/)
    expect(result.failures).toEqual([])
    expect((await httpGet(nginx.port)).body).toMatch(/^v2 from pid/)
    expect(readlinkSync(`${home}/apps/alice/hello/current`)).toBe(`releases/${second.release?.id ?? ''}`)

    // 4. rollback under load (HTTP): back on hello, zero failed requests
    load = startLoad(nginx.port, { maxMs: 30_000 })
    await waitFor(() => load.result.ok > 100, { what: 'load to run' })
    const back = JSON.parse(await curlJsonAsync(home, 'POST', '/apps/hello/rollback', '{}')) as Deployed
    outputs.push(JSON.stringify(back))
    result = await load.stop()
    expect(back.release?.id).toBe(first.release?.id)
    expect(result.failures).toEqual([])
    expect((await httpGet(nginx.port)).body).toMatch(/^hello from pid/)
    expect(readlinkSync(`${home}/apps/alice/hello/current`)).toBe(`releases/${first.release?.id ?? ''}`)

    // 5. no secret anywhere: every endpoint's output, every log, daemon.log, sup.db
    for (const p of ['/apps', '/apps/hello', '/apps/hello/releases', '/events?lines=500', '/logs/hello?lines=500&follow=false', '/healthz']) outputs.push(curlJson(home, 'GET', p))
    await waitFor(() => readFileSync(`${home}/logs/hello-0.log`, 'utf8').includes('listening'), { what: 'logs written' })
    const files = allFiles(home).filter((f) => statSync(f).size < 50 * 1024 ** 2)
    // The daemon's env (which the workers inherit) is stored nowhere; the app's own env (package.json "sup".env)
    // must be kept to restart its workers, in sup.db and its apps.json mirror only, and shown nowhere
    const isDefinitionStore = (f: string): boolean => /\/(sup\.db(-wal|-shm)?|apps\.json)$/.test(f)
    for (const f of files) {
      const text = readFileSync(f).toString('latin1')
      expect(text, f).not.toContain(CANARY)
      if (!isDefinitionStore(f)) expect(text, f).not.toContain(APP_CANARY)
    }
    for (const text of outputs) {
      expect(text).not.toContain(CANARY)
      expect(text).not.toContain(APP_CANARY)
    }
    expect(files.some((f) => f.endsWith('sup.db'))).toBe(true)
  })
})
