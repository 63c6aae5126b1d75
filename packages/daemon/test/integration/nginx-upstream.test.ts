// The upstream publisher against a real nginx: routing, the `down` placeholder, failed tests and reloads, debouncing.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished } from 'vitest'
import { httpGet, requireNginx, startNginx, tmpDir, type TestNginx } from '@sup/test-support'
import { createNginxPublisher, type NginxEventType, type NginxPublisherDeps } from '../../src/adapters/nginx-upstream.ts'
import { renderServerBlock, renderUpstream } from '../../src/core/upstream.ts'

/** An app name with a dot and a dash: nginx takes it as is in `upstream sup_<app>`. */
const APP = 'my.web-1'
const HAS_NGINX = requireNginx()

interface NginxEvent { app: string; type: NginxEventType; reason: string; data: Record<string, unknown> }

/** A worker stand-in: answers its name; closed (keep-alive connections from nginx too) when the test ends. */
async function backend (name: string): Promise<number> {
  const server: Server = createServer((_req, res) => { res.end(name) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return (server.address() as AddressInfo).port
}

/** A private nginx serving `sup nginx`'s own server block for APP, and a publisher driving it. */
async function setup (overrides: Partial<NginxPublisherDeps> = {}) {
  const home = tmpDir('sup-ngx-')
  const dir = `${home}/nginx`
  const nginx: TestNginx = await startNginx({
    dir: `${home}/prefix`,
    includeGlob: `${dir}/*.conf`,
    app: APP,
    serverBlock: (port) => renderServerBlock(APP, { listen: `127.0.0.1:${port}` })
  })
  onTestFinished(() => nginx.stop())
  const events: NginxEvent[] = []
  const deps: NginxPublisherDeps = {
    dir,
    testCommand: nginx.testCommand,
    reloadCommand: nginx.reloadCommand,
    debounceMs: 50,
    onEvent: (app, type, reason, data) => { events.push({ app, type, reason, data }) },
    ...overrides
  }
  return { home, dir, nginx, events, deps, publisher: createNginxPublisher(deps), file: (app = APP) => `${dir}/${app}.conf` }
}

/** Names of the backends that answered `count` fresh requests through nginx (statuses other than 200 as `<status>`). */
async function answers (port: number, count: number): Promise<Set<string>> {
  const seen = new Set<string>()
  for (let i = 0; i < count; i++) {
    const r = await httpGet(port)
    seen.add(r.status === 200 ? r.body : `<${r.status}>`)
  }
  return seen
}

/** A command that counts its runs in `countFile`, then runs `cmd`. */
function counted (countFile: string, cmd: readonly string[]): string[] {
  return ['sh', '-c', `echo run >> '${countFile}'; exec "$0" "$@"`, ...cmd]
}

function runs (countFile: string): number {
  return existsSync(countFile) ? readFileSync(countFile, 'utf8').split('\n').filter((l) => l !== '').length : 0
}

describe.skipIf(!HAS_NGINX)('nginx upstream publisher (real nginx)', () => {
  it('publishes two workers: requests through nginx reach both', async () => {
    const { nginx, publisher, events, file } = await setup()
    const [a, b] = [await backend('A'), await backend('B')]
    const before = nginx.workerPids()
    expect(await publisher.publish(APP, [b, a])).toEqual({ ok: true })
    expect(readFileSync(file(), 'utf8')).toBe(renderUpstream(APP, [a, b]))
    expect(events).toEqual([expect.objectContaining({ app: APP, type: 'nginx-reloaded', data: { ports: [b, a], removed: false } })])
    // `nginx -s reload` returns before the old workers stop accepting (they still proxy to the placeholder)
    await nginx.reloaded(before)
    expect(await answers(nginx.port, 20)).toEqual(new Set(['A', 'B']))
    expect(publisher.lastError(APP)).toBeNull()
  })

  it('with settleMs, a resolved publish means fresh connections already use the new upstream', async () => {
    const { nginx, deps } = await setup()
    const publisher = createNginxPublisher({ ...deps, settleMs: 300 })
    const [a, b] = [await backend('A'), await backend('B')]
    await publisher.publish(APP, [a])
    expect(await answers(nginx.port, 20)).toEqual(new Set(['A']))
    await publisher.publish(APP, [b])
    expect(await answers(nginx.port, 20)).toEqual(new Set(['B']))
  })

  it('with no worker keeps a `down` placeholder: nginx -t passes and requests get 502', async () => {
    const { nginx, publisher, file } = await setup()
    const a = await backend('A')
    let before = nginx.workerPids()
    await publisher.publish(APP, [a])
    await nginx.reloaded(before)
    expect(await answers(nginx.port, 5)).toEqual(new Set(['A']))
    before = nginx.workerPids()
    expect(await publisher.publish(APP, [])).toEqual({ ok: true })
    expect(readFileSync(file(), 'utf8')).toMatch(/server 127\.0\.0\.1:9 down;/)
    const [bin, ...args] = nginx.testCommand
    expect(spawnSync(bin ?? '', args, { encoding: 'utf8' }).status).toBe(0)
    await nginx.reloaded(before)
    expect(await answers(nginx.port, 5)).toEqual(new Set(['<502>'])) // expected: nothing serves
  })

  it('a failing reload command is an event; the new file stays, nginx keeps serving, the next publish retries', async () => {
    const ok = tmpDir('sup-ngx-flag-')
    const { nginx, publisher, events, file, deps } = await setup()
    const a = await backend('A')
    const b = await backend('B')
    let before = nginx.workerPids()
    await publisher.publish(APP, [a])
    await nginx.reloaded(before)
    expect(await answers(nginx.port, 5)).toEqual(new Set(['A']))
    // fails until the flag file exists, with something on stderr
    const flaky = createNginxPublisher({ ...deps, reloadCommand: ['sh', '-c', `test -e '${ok}/flag' || { echo reload boom >&2; exit 3; }; exec "$0" "$@"`, ...nginx.reloadCommand] })
    const r = await flaky.publish(APP, [b])
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/exit code 3.*reload boom/) })
    expect(events.at(-1)).toMatchObject({ type: 'nginx-reload-failed', reason: expect.stringContaining('reload boom'), data: { ports: [b] } })
    expect(readFileSync(file(), 'utf8')).toBe(renderUpstream(APP, [b]))
    expect(flaky.lastError(APP)).toMatch(/reload boom/)
    expect(await answers(nginx.port, 5)).toEqual(new Set(['A']))
    writeFileSync(`${ok}/flag`, '')
    before = nginx.workerPids()
    expect(await flaky.publish(APP, [b])).toEqual({ ok: true }) // same file, but nginx has not loaded it yet
    expect(events.at(-1)).toMatchObject({ type: 'nginx-reloaded', data: { ports: [b] } })
    expect(flaky.lastError(APP)).toBeNull()
    await nginx.reloaded(before)
    expect(await answers(nginx.port, 5)).toEqual(new Set(['B']))
  })

  it('a reload command that does not exist is an event too', async () => {
    const { publisher: _p, deps, events } = await setup()
    const missing = createNginxPublisher({ ...deps, reloadCommand: ['/nonexistent/nginx', '-s', 'reload'] })
    expect(await missing.publish(APP, [8001])).toEqual({ ok: false, error: expect.stringContaining('ENOENT') })
    expect(events.map((e) => e.type)).toEqual(['nginx-reload-failed'])
  })

  it('a failing nginx -t puts the last good file back, records nginx-test-failed, and nothing is reloaded', async () => {
    const { nginx, publisher, events, file, dir } = await setup()
    const a = await backend('A')
    const b = await backend('B')
    const before = nginx.workerPids()
    await publisher.publish(APP, [a])
    await nginx.reloaded(before)
    expect(await answers(nginx.port, 5)).toEqual(new Set(['A']))
    writeFileSync(`${dir}/zz-broken.conf`, 'upstream broken { }\n') // someone else's broken include: a real `nginx -t` failure
    const r = await publisher.publish(APP, [a, b])
    expect(r).toEqual({ ok: false, error: expect.stringContaining('no servers are inside upstream') })
    expect(readFileSync(file(), 'utf8')).toBe(renderUpstream(APP, [a]))
    expect(events.at(-1)).toMatchObject({ type: 'nginx-test-failed', reason: expect.stringContaining('zz-broken.conf'), data: { ports: [a, b] } })
    expect(publisher.lastError(APP)).toMatch(/nginx test failed/)
    expect(await answers(nginx.port, 5)).toEqual(new Set(['A']))
  })

  it('a test command that fails (`false`) restores the previous file', async () => {
    const { publisher, deps, events, file } = await setup()
    await publisher.publish(APP, [8001])
    const refusing = createNginxPublisher({ ...deps, testCommand: ['false'] })
    expect(await refusing.publish(APP, [8001, 8002])).toEqual({ ok: false, error: expect.stringContaining('`false` failed (exit code 1)') })
    expect(readFileSync(file(), 'utf8')).toBe(renderUpstream(APP, [8001]))
    expect(events.map((e) => e.type)).toEqual(['nginx-reloaded', 'nginx-test-failed'])
  })

  it('remove deletes the file, or keeps the placeholder while a server block still proxies to it', async () => {
    const { publisher, events, file } = await setup()
    await publisher.publish(APP, [8001])
    await publisher.publish('other', [8002])
    expect(await publisher.remove('other')).toEqual({ ok: true })
    expect(existsSync(file('other'))).toBe(false)
    expect(await publisher.remove(APP)).toEqual({ ok: true }) // deleting it fails `nginx -t`: host not found in upstream
    expect(readFileSync(file(), 'utf8')).toBe(renderUpstream(APP, []))
    expect(events.at(-1)).toMatchObject({ app: APP, type: 'nginx-reloaded', reason: expect.stringContaining('placeholder') })
    expect(await publisher.remove('never-published')).toEqual({ ok: true })
  })

  it('debounces a burst of 20 calls into at most 2 reloads; every caller waits for a write with its call', async () => {
    const { home, nginx, deps, file } = await setup()
    const count = `${home}/reloads`
    const publisher = createNginxPublisher({ ...deps, reloadCommand: counted(count, nginx.reloadCommand) })
    const calls = Array.from({ length: 20 }, (_, i) => publisher.publish(APP, [8000 + (i % 5), 8100]))
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 20 }, () => ({ ok: true })))
    expect(runs(count)).toBeGreaterThanOrEqual(1)
    expect(runs(count)).toBeLessThanOrEqual(2)
    expect(readFileSync(file(), 'utf8')).toBe(renderUpstream(APP, [8004, 8100])) // the last call wins
    expect(await publisher.publish(APP, [8100, 8004])).toEqual({ ok: true }) // unchanged: no rewrite, no reload
    expect(runs(count)).toBeLessThanOrEqual(2)
  })

  it('one reload for several apps changed at once; never two commands at the same time', async () => {
    const { home, nginx, deps, file } = await setup()
    const count = `${home}/reloads`
    // each command holds a lock dir while it runs: an overlap leaves a mark
    const guard = (cmd: readonly string[]): string[] =>
      ['sh', '-c', `mkdir '${home}/lock' 2>/dev/null || echo overlap >> '${home}/overlaps'; sleep 0.05; "$0" "$@"; rc=$?; rmdir '${home}/lock'; exit $rc`, ...cmd]
    const publisher = createNginxPublisher({ ...deps, testCommand: guard(nginx.testCommand), reloadCommand: guard(counted(count, nginx.reloadCommand)) })
    const apps = ['a1', 'a2', 'a3']
    // one loop turn on a busy machine: the clock moves between the calls (this once gave two reloads)
    const busy = (ms: number): void => { const end = performance.now() + ms; while (performance.now() < end) { /* a slow turn */ } }
    expect(await Promise.all(apps.map((app, i) => { busy(3); return publisher.publish(app, [8200 + i]) }))).toEqual(apps.map(() => ({ ok: true })))
    expect(runs(count)).toBe(1)
    for (const [i, app] of apps.entries()) expect(readFileSync(file(app), 'utf8')).toBe(renderUpstream(app, [8200 + i]))
    // staggered calls over two apps while flushes are running
    const staggered: Array<Promise<unknown>> = []
    for (let i = 0; i < 12; i++) {
      staggered.push(publisher.publish(apps[i % 2] ?? 'a1', [8300 + i]))
      await new Promise((resolve) => setTimeout(resolve, 15))
    }
    await Promise.all(staggered)
    expect(existsSync(`${home}/overlaps`)).toBe(false)
    expect(readFileSync(file('a1'), 'utf8')).toBe(renderUpstream('a1', [8310]))
    expect(readFileSync(file('a2'), 'utf8')).toBe(renderUpstream('a2', [8311]))
  })
})

describe('nginx upstream publisher (no nginx needed)', () => {
  it('writes the files only when no reload is configured: no events, no test', async () => {
    const dir = `${tmpDir('sup-ngx-')}/nginx`
    const events: string[] = []
    const publisher = createNginxPublisher({ dir, testCommand: null, reloadCommand: null, debounceMs: 10, onEvent: (_a, type) => { events.push(type) } })
    expect(await publisher.publish('api', [8001, 8000])).toEqual({ ok: true })
    expect(readFileSync(`${dir}/api.conf`, 'utf8')).toBe(renderUpstream('api', [8000, 8001]))
    expect(await publisher.remove('api')).toEqual({ ok: true })
    expect(existsSync(`${dir}/api.conf`)).toBe(false)
    expect(events).toEqual([])
  })

  it('keeps going when the event listener throws, and refuses a name that would leave its directory', async () => {
    const dir = `${tmpDir('sup-ngx-')}/nginx`
    const publisher = createNginxPublisher({ dir, testCommand: null, reloadCommand: ['true'], debounceMs: 10, onEvent: () => { throw new Error('listener down') } })
    expect(await publisher.publish('api', [8000])).toEqual({ ok: true })
    expect(await publisher.publish('api', [8001])).toEqual({ ok: true })
    expect(await publisher.publish('../etc/x', [8001])).toEqual({ ok: false, error: expect.stringContaining('cannot name an upstream file') })
  })
})
