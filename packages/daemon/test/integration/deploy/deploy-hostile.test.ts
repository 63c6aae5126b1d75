// Hostile uploads against the real deploy route, extractor and release store: each a clear 4xx, nothing left behind.
import { existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { Readable } from 'node:stream'
import { createGzip, gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { tar, tarEntry, tarGz, TAR_END, type TarEntry } from '@sup/test-support'
import { post, startHarness, type Harness } from './deploy-harness.ts'

const PKG: TarEntry = { name: 'package.json', body: JSON.stringify({ name: 'x', main: 'server.js' }) }
const SERVER: TarEntry = { name: 'server.js', body: 'require("http").createServer((q, s) => s.end("ok")).listen(process.env.PORT)\n' }

/** Nothing changed: no release dir, row, staging dir nor supervisor call. */
function expectNothingChanged (h: Harness, app = 'hello'): void {
  expect(h.appsTree()).toEqual([])
  expect(h.releaseRows(app)).toBe(0)
  expect(h.calls).toEqual([])
}

describe('deploy route: a good archive', () => {
  it('extracts into releases/<id>, records the row, points current at it and answers the release and workers', async () => {
    const h = await startHarness()
    const body = tarGz([{ name: './', type: '5' }, PKG, SERVER, { name: 'lib/', type: '5' }, { name: 'lib/a.js', body: 'x' }, { name: 'lib/link.js', type: '2', linkname: 'a.js' }])
    const a = await post(h.port, '/deploy/alice/hello', body)
    expect(a.status).toBe(200)
    const id = a.body.release?.id ?? ''
    expect(a.body.release).toMatchObject({ size: body.length, current: true, app: 'hello', user: 'alice' })
    expect(id).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{6}$/)
    expect(h.appsTree()).toEqual(expect.arrayContaining(['alice/hello/current', `alice/hello/releases/${id}/server.js`, `alice/hello/releases/${id}/lib/link.js`]))
    expect(h.appsTree().some((p) => p.includes('.staging/'))).toBe(false)
    expect(h.calls).toEqual(['create hello'])
  })

  it('strips the package/ folder of an npm pack archive', async () => {
    const h = await startHarness()
    const a = await post(h.port, '/deploy/alice/hello', tarGz([{ name: 'package/package.json', body: PKG.body ?? '' }, { name: 'package/server.js', body: SERVER.body ?? '' }]))
    expect(a.status).toBe(200)
    expect(h.appsTree()).toContain(`alice/hello/releases/${a.body.release?.id ?? ''}/server.js`)
  })
})

describe('deploy route: hostile archives are refused with a 4xx and leave nothing behind', () => {
  const sentinel = `sup-evil-${randomBytes(4).toString('hex')}`
  const cases: Array<[string, TarEntry[], number, RegExp]> = [
    ['a .. path', [PKG, { name: `../../../../../../../../tmp/${sentinel}`, body: 'x' }], 400, /'\.\.' in the path/],
    ['an absolute path', [PKG, { name: `/tmp/${sentinel}`, body: 'x' }], 400, /absolute path/],
    ['a symlink to /etc then a file through it', [PKG, { name: 'etc', type: '2', linkname: '/etc' }, { name: `etc/${sentinel}`, body: 'x' }], 400, /symlink pointing outside/],
    ['a relative symlink climbing out', [PKG, { name: 'up', type: '2', linkname: '../../../../..' }], 400, /symlink pointing outside/],
    ['a symlink chain climbing out through a link to . (a -> ., b -> a/..)', [PKG, { name: 'a', type: '2', linkname: '.' }, { name: 'b', type: '2', linkname: 'a/..' }], 400, /'\.\.' after a name/],
    ['a hard link to /etc/passwd', [PKG, { name: 'passwd', type: '1', linkname: '/etc/passwd' }], 400, /hard links/],
    ['a FIFO', [PKG, { name: 'fifo', type: '6' }], 400, /FIFOs/],
    ['a device file', [PKG, { name: 'null', type: '3' }], 400, /device files/],
    ['a setuid file', [PKG, { name: 'suid', body: 'x', mode: 0o4755 }], 400, /setuid/],
    ['10,000 nested directories', [PKG, ...Array.from({ length: 10_000 }, (_, i) => ({ name: `${'d/'.repeat(i + 1)}`, type: '5' as const }))], 413, /deeper than 64/]
  ]
  it.each(cases)('%s', async (_name, entries, status, message) => {
    const h = await startHarness()
    const a = await post(h.port, '/deploy/alice/hello', tarGz(entries))
    expect(a.status).toBe(status)
    expect(a.body.error?.code).toBe(status === 413 ? 'SUP_ERR_TOO_LARGE' : 'SUP_ERR_BAD_ARCHIVE')
    expect(a.body.error?.message).toMatch(message)
    expect(a.body.error?.message).toMatch(/entry "/)
    expectNothingChanged(h)
    expect(existsSync(`/tmp/${sentinel}`)).toBe(false)
  })

  it('a million empty files stop at the entry limit, early', async () => {
    const h = await startHarness({ maxEntries: 1_000 })
    function * entries (): Generator<Buffer> {
      yield tarEntry(PKG)
      for (let i = 0; i < 1_000_000; i++) yield tarEntry({ name: `f${i}` })
      yield TAR_END
    }
    const started = Date.now()
    const a = await post(h.port, '/deploy/alice/hello', Readable.from(entries()).pipe(createGzip()))
    expect(a.status).toBe(413)
    expect(a.body.error?.message).toMatch(/more than 1000 entries/)
    expect(Date.now() - started).toBeLessThan(10_000)
    expectNothingChanged(h)
  })

  it('a gzip bomb (10 MB -> 10 GB) stops at the unpacked limit', async () => {
    const h = await startHarness({ maxUnpackedBytes: 64 * 1024 ** 2 })
    const member = gzipSync(Buffer.alloc(8 * 1024 ** 2)) // ~8 KB each; 1280 members = 10 GB unpacked
    function * bomb (): Generator<Buffer> { for (let i = 0; i < 1280; i++) yield member }
    const a = await post(h.port, '/deploy/alice/hello', Readable.from(bomb()))
    expect(a.status).toBe(413)
    expect(a.body.error?.message).toMatch(/unpacks to more than/)
    expectNothingChanged(h)
  })

  it('a truncated gzip', async () => {
    const h = await startHarness()
    const gz = tarGz([PKG, SERVER, { name: 'big', body: randomBytes(20_000) }])
    const a = await post(h.port, '/deploy/alice/hello', gz.subarray(0, gz.length - 600))
    expect(a.status).toBe(400)
    expect(a.body.error?.code).toBe('SUP_ERR_BAD_ARCHIVE')
    expectNothingChanged(h)
  })

  it('not gzip at all', async () => {
    const h = await startHarness()
    const a = await post(h.port, '/deploy/alice/hello', tar([PKG, SERVER]))
    expect(a.status).toBe(400)
    expect(a.body.error?.message).toMatch(/gzip/)
    expectNothingChanged(h)
  })

  it('a body over the limit: at once with a Content-Length, while streaming without one', async () => {
    const h = await startHarness({ maxBodyBytes: 64 * 1024 })
    const gz = tarGz([PKG, SERVER, { name: 'noise', body: randomBytes(200_000) }])
    const declared = await post(h.port, '/deploy/alice/hello', gz)
    expect(declared.status).toBe(413)
    expect(declared.body.error?.message).toMatch(/Content-Length/)
    const chunked = await post(h.port, '/deploy/alice/hello', Readable.from([gz]))
    expect(chunked.status).toBe(413)
    expect(chunked.body.error?.message).toMatch(/larger than 65536/)
    expectNothingChanged(h)
  })

  it('a lying Content-Length (shorter than the body) is a truncated archive', async () => {
    const h = await startHarness()
    const gz = tarGz([PKG, SERVER, { name: 'noise', body: randomBytes(20_000) }])
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(h.port, '127.0.0.1', () => {
        socket.write(`POST /deploy/alice/hello HTTP/1.1\r\nHost: x\r\nContent-Type: application/gzip\r\nContent-Length: 100\r\n\r\n`)
        socket.write(gz)
      })
      let out = ''
      socket.on('data', (c: Buffer) => { out += c.toString('latin1') })
      socket.on('close', () => resolve(out))
      socket.on('error', reject)
    })
    // The bytes past the declared length are a malformed next request: node answers 400 and closes; the
    // deploy saw a truncated body
    expect(text).toMatch(/^HTTP\/1\.1 400/)
    await expect.poll(() => h.appsTree(), { timeout: 5_000 }).toEqual([])
    expectNothingChanged(h)
  })

  it.each([
    ['%2e%2e', 'app'], ['a%2Fb', 'app'], ['Hello', 'app'], ['a'.repeat(256), 'app'], ['all', 'app']
  ])('the name %s is a 400 SUP_ERR_INVALID_NAME', async (name) => {
    const h = await startHarness()
    const a = await post(h.port, `/deploy/alice/${name}`, tarGz([PKG, SERVER]))
    expect(a.status).toBe(400)
    expect(a.body.error?.code).toBe('SUP_ERR_INVALID_NAME')
    const u = await post(h.port, `/deploy/${name}/hello`, tarGz([PKG, SERVER]))
    expect(u.body.error?.code).toBe('SUP_ERR_INVALID_NAME')
    expectNothingChanged(h)
  })

  it('package.json that is a symlink, or invalid JSON, or a bad "sup" field', async () => {
    const h = await startHarness()
    const link = await post(h.port, '/deploy/alice/hello', tarGz([{ name: 'real.json', body: '{}' }, { name: 'package.json', type: '2', linkname: 'real.json' }, SERVER]))
    expect(link.status).toBe(400)
    expect(link.body.error).toMatchObject({ code: 'SUP_ERR_BAD_PACKAGE', message: expect.stringMatching(/symlink/) })
    const bad = await post(h.port, '/deploy/alice/hello', tarGz([{ name: 'package.json', body: '{"main": ' }, SERVER]))
    expect(bad.body.error).toMatchObject({ code: 'SUP_ERR_BAD_PACKAGE', message: expect.stringMatching(/not valid JSON/) })
    const spec = await post(h.port, '/deploy/alice/hello', tarGz([{ name: 'package.json', body: '{"sup": {"instances": "many"}}' }, SERVER]))
    expect(spec.body.error).toMatchObject({ code: 'SUP_ERR_INVALID_SPEC', message: expect.stringMatching(/instances/) })
    const shell = await post(h.port, '/deploy/alice/hello', tarGz([{ name: 'package.json', body: '{"scripts": {"start": "node server.js; rm -rf /"}}' }, SERVER]))
    expect(shell.body.error?.code).toBe('SUP_ERR_NO_START_COMMAND')
    expectNothingChanged(h)
  })

  it('a second deploy of the same app while one runs is a 409, another app deploys side by side', async () => {
    const h = await startHarness()
    const gz = tarGz([PKG, SERVER])
    const slow = new Readable({ read () {} })
    slow.push(gz.subarray(0, 10))
    const first = post(h.port, '/deploy/alice/hello', slow)
    await expect.poll(async () => (await post(h.port, '/deploy/alice/hello', gz)).body.error?.code, { timeout: 5_000 }).toBe('SUP_ERR_DEPLOY_IN_PROGRESS')
    expect((await post(h.port, '/deploy/alice/other', gz)).status).toBe(200)
    slow.push(gz.subarray(10))
    slow.push(null)
    expect((await first).status).toBe(200)
  })
})
