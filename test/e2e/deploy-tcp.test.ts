// e2e: `sup daemon --listen 127.0.0.1:<port>` in the foreground: the token file, a deploy over TCP with the bearer
// token, 401 and nothing changed without it or with a wrong one; a non-loopback address refused without --listen-remote.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { daemonPid, freePortRange, httpGet, isAlive, killPid, runSup, SUP_BIN, waitFor } from '@sup/test-support'
import { useHome } from './crash-safety-support.ts'
import { call, makeDir, packageJson, serverJs, tarDir } from './deploy-support.ts'

/** Runs `sup daemon --listen 127.0.0.1:<port>` as our child; SIGTERMs it (by pid) after the test. */
async function foregroundDaemon (home: string, port: number): Promise<{ pid: number }> {
  const child = spawn(process.execPath, [SUP_BIN, 'daemon', '--listen', `127.0.0.1:${port}`], { env: { ...process.env, SUP_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const pid = child.pid ?? 0
  onTestFinished(async () => {
    killPid(pid, 'SIGTERM')
    await waitFor(() => !isAlive(pid), { timeoutMs: 10_000, what: `sup daemon ${pid} to stop` }).catch(() => killPid(pid, 'SIGKILL'))
  })
  await waitFor(async () => existsSync(`${home}/token`) && (await call({ port, token: readFileSync(`${home}/token`, 'utf8').trim() }, 'GET', '/apps/web/releases').then((r) => r.status === 200 || r.status === 404)), { timeoutMs: 20_000, what: `the TCP API on ${port}` }).catch((err: unknown) => { throw new Error(`${String(err)}; sup daemon said: ${out}`) })
  return { pid }
}

describe('the TCP API of `sup daemon --listen`', () => {
  it('token file 0600; a deploy with the bearer token works; none or a wrong one is a 401 and changes nothing', async () => {
    const home = useHome()
    const [api, range] = [await freePortRange(1), await freePortRange(4)]
    const daemon = await foregroundDaemon(home, api.from)
    expect(daemonPid(home)).not.toBeNull()
    expect(statSync(`${home}/token`).mode & 0o777).toBe(0o600)
    const token = readFileSync(`${home}/token`, 'utf8').trim()
    expect(token.length).toBeGreaterThanOrEqual(32)

    const path = `/deploy/alice/web?instances=2&portRange=${range.range}`
    const v1 = tarDir(makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v1') }))
    for (const t of [{ port: api.from }, { port: api.from, token: `${token}x` }, { port: api.from, token: 'A'.repeat(token.length) }]) {
      const res = await call(t, 'POST', path, v1)
      expect(res.status).toBe(401)
      expect(res.body.error?.code).toBe('SUP_ERR_UNAUTHORIZED')
    }
    expect(existsSync(`${home}/apps`) ? readdirSync(`${home}/apps`) : []).toEqual([])

    const first = await call({ port: api.from, token }, 'POST', path, v1)
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    expect(first.body.workers?.map((w) => w.state)).toEqual(['online', 'online'])
    for (const w of first.body.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toMatch(/^v1 \d+/)

    // a wrong token on a second deploy: still v1 on the same pids, one release
    const v2 = tarDir(makeDir({ 'package.json': packageJson(), 'server.js': serverJs('v2') }))
    expect((await call({ port: api.from, token: 'wrong-token-wrong-token' }, 'POST', path, v2)).status).toBe(401)
    expect((await call({ port: api.from }, 'POST', '/apps/web/rollback', '{}')).status).toBe(401)
    const releases = await call({ port: api.from, token }, 'GET', '/apps/web/releases')
    expect(releases.body.releases?.map((r) => r.id)).toEqual([first.body.release?.id])
    expect(readdirSync(`${home}/apps/alice/web/releases`)).toEqual([first.body.release?.id])
    for (const w of first.body.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toMatch(/^v1 \d+/)
    expect(isAlive(daemon.pid)).toBe(true)
  })

  it('--listen 0.0.0.0:<port> is refused without --listen-remote: no daemon, nothing listening', async () => {
    const home = useHome()
    const api = await freePortRange(1)
    const r = await runSup(home, ['daemon', '--listen', `0.0.0.0:${api.from}`], { timeoutMs: 20_000 })
    expect(r.code).not.toBe(0)
    expect(r.stdout + r.stderr).toMatch(/not a loopback address.*--listen-remote/s)
    expect(daemonPid(home)).toBeNull()
    await expect(httpGet(api.from, '/', 500)).rejects.toThrow()
    expect(existsSync(`${home}/token`)).toBe(false)
  })
})
