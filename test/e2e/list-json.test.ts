// e2e: `sup list --json`, on its short path (one pipelined exchange, bundle/list-json.cjs), prints what the whole
// `sup list --json` path prints, warnings and notice included, and leaves anything unusual to that path.
import { createServer } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { PROTOCOL_VERSION, type AppList } from '../../packages/protocol/src/index.ts'
import { EXAMPLES, daemonPid, freePortRange, runSup, useSupHome } from '@sup/test-support'

/** What does not change between two lists of idle workers: names, pids, ports, states, specs. */
const stable = (stdout: string): unknown => (JSON.parse(stdout) as AppList).apps.map((a) => ({ ...a, workers: a.workers.map((w) => [w.instance, w.pid, w.port, w.state]) }))

describe('sup list --json', () => {
  it('with no daemon running, starts one as the whole path does', async () => {
    const home = useSupHome()
    const r = await runSup(home, ['list', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ apps: [] })
    expect(daemonPid(home)).not.toBeNull()
  })

  it('prints what the whole path prints: the same answer, the same warning and notice', async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    expect((await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '-n', '2', '--name', 'hello', '--port-range', ports.range])).code).toBe(0)
    // a setting in this shell the daemon runs without: both paths say so (settings-check.ts)
    const env = { SUP_NGINX_RELOAD: 'nginx -s reload' }
    const short = await runSup(home, ['list', '--json'], { env })
    const whole = await runSup(home, ['list', '--json', '--json'], { env }) // not the short path's exact words
    expect(short.code, short.stderr).toBe(0)
    expect(whole.code, whole.stderr).toBe(0)
    expect(stable(short.stdout)).toEqual(stable(whole.stdout))
    expect(short.stdout.startsWith('{\n  "apps": [\n')).toBe(true)
    expect(short.stderr).toBe(whole.stderr)
    expect(short.stderr).toContain('sup: SUP_NGINX_RELOAD is set here but the daemon runs without it')
    expect(short.stderr).toContain('note: nginx is not told about changes (no nginx.reload configured) for hello')
    expect(stable((await runSup(home, ['ls', '--json'])).stdout)).toEqual(stable(short.stdout))
  })

  it('asks /healthz and /apps on one connection; a daemon of another protocol is then refused by the whole path', async () => {
    const home = useSupHome()
    const seen: string[] = []
    let connections = 0
    let protocol: number | undefined = PROTOCOL_VERSION
    const fake = createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(req.url === '/healthz' ? { ok: true, pid: 4242, version: '0.1.0', home, ...(protocol === undefined ? {} : { protocol }) } : { apps: [] }))
    })
    fake.on('connection', () => { connections++ })
    await new Promise<void>((resolve) => fake.listen(join(home, 'sup.sock'), resolve))
    onTestFinished(() => new Promise<void>((resolve) => fake.close(() => resolve())))

    const r = await runSup(home, ['list', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ apps: [] })
    expect([seen, connections]).toEqual([['GET /healthz', 'GET /apps'], 1])

    seen.length = 0
    protocol = undefined // as sup 0.1.0 answered
    const old = await runSup(home, ['list', '--json'])
    expect(old.code).toBe(1)
    expect(old.stderr).toContain('cannot talk to the running daemon (pid 4242, sup 0.1.0, protocol none)')
    expect(seen).toEqual(['GET /healthz', 'GET /apps', 'GET /healthz']) // the short path's reads, then the whole path's check
  })
})
