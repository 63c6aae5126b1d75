// The deploy route at the trust boundary: a stalled upload is cut and frees the app, a full disk is the server's 507.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { randomBytes } from 'node:crypto'
import { describe, expect, it, onTestFinished } from 'vitest'
import { tarGz, type TarEntry } from '@sup/test-support'
import { post, startHarness } from './deploy-harness.ts'

const PKG: TarEntry = { name: 'package.json', body: JSON.stringify({ name: 'x', main: 'server.js' }) }
const SERVER: TarEntry = { name: 'server.js', body: 'require("http").createServer((q, s) => s.end("ok")).listen(process.env.PORT)\n' }

/** Sends the first half of `body` with a Content-Length of all of it, then nothing; resolves when the server ends the exchange. */
function sendHalf (port: number, path: string, body: Buffer): Promise<{ status: number; closedAfterMs: number }> {
  const started = Date.now()
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/gzip', 'content-length': String(body.length) } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, closedAfterMs: Date.now() - started }))
    })
    req.on('error', () => resolve({ status: 0, closedAfterMs: Date.now() - started }))
    req.write(body.subarray(0, Math.floor(body.length / 2)))
  })
}

describe('deploy uploads at the trust boundary', () => {
  it('a stalled upload (half sent, then nothing) is cut after the idle timeout, and the next deploy of the app proceeds', async () => {
    const h = await startHarness({ uploadIdleTimeoutMs: 500 })
    const body = tarGz([PKG, SERVER, { name: 'big.bin', body: randomBytes(256 * 1024) }])
    const cut = await sendHalf(h.port, '/deploy/alice/hello', body)
    expect(cut.closedAfterMs).toBeGreaterThanOrEqual(450)
    expect(cut.closedAfterMs).toBeLessThan(10_000)
    const next = await post(h.port, '/deploy/alice/hello', body)
    expect(next.status, JSON.stringify(next.body)).toBe(200)
    expect(h.appsTree().some((p) => p.includes('.staging/'))).toBe(false)
  })
})

/** A 1 MiB tmpfs as SUP_HOME (root only); null when it cannot be mounted here. */
function tinyDisk (): string | null {
  const dir = mkdtempSync('/tmp/sup-tiny-')
  try { execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' }) } catch { rmSync(dir, { recursive: true, force: true }); return null }
  onTestFinished(() => { execFileSync('umount', [dir]); rmSync(dir, { recursive: true, force: true }) })
  return dir
}

const canMount = process.getuid?.() === 0
describe.skipIf(!canMount)('a full disk during a deploy', () => {
  it('is a 507 SUP_ERR_NO_SPACE (not a bad archive), and the staging dir is removed', async () => {
    const disk = tinyDisk()
    expect(disk, 'mount -t tmpfs failed').not.toBeNull()
    const h = await startHarness({}, undefined, disk ?? '')
    const a = await post(h.port, '/deploy/alice/hello', tarGz([PKG, SERVER, { name: 'big.bin', body: randomBytes(3 * 1024 * 1024) }]))
    expect(a.status, JSON.stringify(a.body)).toBe(507)
    expect(a.body.error?.code).toBe('SUP_ERR_NO_SPACE')
    expect(h.appsTree()).toEqual([])
    expect(h.releaseRows('hello')).toBe(0)
  })
})

describe('a NUL inside a pax header', () => {
  it.each([
    ['path', { name: `evil\0${'a'.repeat(120)}`, body: 'x' }],
    ['linkpath', { name: `link-${'l'.repeat(120)}`, type: '2' as const, linkname: `server.js\0${'b'.repeat(20)}` }]
  ])('in %s: 400 SUP_ERR_BAD_ARCHIVE, nothing kept (tar would cut the name at the NUL)', async (_what, entry: TarEntry) => {
    const h = await startHarness()
    const a = await post(h.port, '/deploy/alice/hello', tarGz([PKG, SERVER, entry]))
    expect(a.status, JSON.stringify(a.body)).toBe(400)
    expect(a.body.error?.code).toBe('SUP_ERR_BAD_ARCHIVE')
    expect(a.body.error?.message).toMatch(/NUL byte/)
    expect(h.appsTree()).toEqual([])
    expect(h.calls).toEqual([])
  })
})
