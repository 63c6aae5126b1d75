// e2e: examples/deploy-script.ts as a process (deploy, wait, HTTP check, roll back), and `sup deploy --host` over TCP.
import { execFile } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { DeployResult, ReleaseList } from '../../packages/protocol/src/index.ts'
import { EXAMPLES, freePortRange, httpGet, REPO_ROOT, runSup, supJson, tmpDir, useSupHome, waitFor, type SupResult } from '@sup/test-support'

const TSX = `${REPO_ROOT}node_modules/.bin/tsx`

/** Runs examples/deploy-script.ts with tsx against `home`; never rejects. */
function runScript (home: string, args: readonly string[], env: Record<string, string> = {}): Promise<SupResult> {
  return new Promise((resolve) => {
    execFile(TSX, [`${REPO_ROOT}examples/deploy-script.ts`, ...args], { env: { ...process.env, SUP_HOME: home, ...env }, cwd: REPO_ROOT, timeout: 45_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr })
    })
  })
}

/** examples/hello, answering HTTP `status`. */
function helloAnswering (status: number): string {
  const dir = tmpDir('app-')
  cpSync(`${EXAMPLES}/hello`, dir, { recursive: true })
  writeFileSync(`${dir}/server.js`, readFileSync(`${dir}/server.js`, 'utf8').replace('res.writeHead(200', `res.writeHead(${status}`))
  return dir
}

async function servingBodies (home: string): Promise<string[]> {
  const { apps } = await supJson<{ apps: { workers: { port: number | null }[] }[] }>(home, ['list'])
  return Promise.all((apps[0]?.workers ?? []).map(async (w) => (await httpGet(w.port ?? 0)).body))
}

describe('examples/deploy-script.ts', () => {
  it('deploys and checks a good release (exit 0); a release answering 500 is rolled back (exit 1)', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    expect((await runSup(home, ['list'])).code).toBe(0) // starts the daemon: the client does not
    const ok = await runScript(home, [`${EXAMPLES}/hello`, '--app', 'hello', '--instances', '2', '--port-range', ports.range, '--expect', 'hello from pid'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/hello: 2 worker\(s\) online and answering/)
    const good = (await supJson<ReleaseList>(home, ['releases', 'hello'])).releases[0]?.id

    const bad = await runScript(home, [helloAnswering(500), '--app', 'hello'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/check failed: worker 0 \(http:\/\/127\.0\.0\.1:\d+\/\) answered HTTP 500/)
    expect(bad.stderr).toContain(`rolled back hello to release ${good}`)
    const list = (await supJson<ReleaseList>(home, ['releases', 'hello'])).releases
    expect(list.find((r) => r.current)?.id).toBe(good)
    for (const body of await servingBodies(home)) expect(body).toMatch(/^hello from pid/)
  })
})

describe('sup deploy --host over TCP', () => {
  it('deploys with the token from SUP_TOKEN; a wrong token is refused with SUP_ERR_UNAUTHORIZED and changes nothing', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const [apiPort, workerRange] = [ports.from, `${ports.to}-${ports.to}`]
    expect((await runSup(home, ['list'], { env: { SUP_LISTEN: `127.0.0.1:${apiPort}` } })).code).toBe(0)
    await waitFor(async () => { try { readFileSync(`${home}/token`); return (await httpGet(apiPort, '/healthz')).status === 401 } catch { return false } }, { timeoutMs: 10_000, what: 'the TCP API' })
    const token = readFileSync(`${home}/token`, 'utf8').trim()
    const host = `http://127.0.0.1:${apiPort}`

    const wrong = await runSup(home, ['deploy', `${EXAMPLES}/hello`, '--app', 'hello', '--host', host, '--token', 'not-the-token-at-all'])
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(/bearer token/i)
    expect(wrong.stderr).not.toContain('not-the-token-at-all')

    const r = await runSup(home, ['deploy', `${EXAMPLES}/hello`, '--app', 'hello', '--port-range', workerRange, '--host', host, '--json'], { env: { SUP_TOKEN: token } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).not.toContain(token)
    const result = JSON.parse(r.stdout) as DeployResult
    expect((await httpGet(result.workers[0]?.port ?? 0)).body).toMatch(/^hello from pid/)
    expect((await supJson<ReleaseList>(home, ['releases', 'hello'])).releases).toHaveLength(1)
  })
})
