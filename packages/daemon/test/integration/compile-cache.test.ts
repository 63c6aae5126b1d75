// The built CLI keeps V8's compiled code in a private cache dir on a node that has a compile cache (>= 22.8), uses none
// on an older one, and never uses a directory someone else could write (adapters/compile-cache.ts); the daemon uses none.
import { execFile, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs'
import module from 'node:module'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runSup, tmpDir, waitFor } from '@sup/test-support'
import { compileCacheDir, untrustedBecause } from '../../src/adapters/compile-cache.ts'

const SUP = new URL('../../../cli/bin/sup.js', import.meta.url).pathname
const DAEMON = new URL('../../bundle/main.js', import.meta.url).pathname
const HAS_CACHE = typeof (module as { enableCompileCache?: unknown }).enableCompileCache === 'function'

/** Files anywhere under a dir (node keeps its cache in a subdirectory per node version). */
function filesUnder (dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

function supVersion (env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SUP, '--version'], { env: { ...process.env, ...env } }, (err, stdout) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout })
    })
  })
}

/**
 * Runs the built daemon until it serves, then (after `whileUp`) `sup kill`: the daemon and its sup-logd exit cleanly
 * (node would write a compile cache it had then).
 */
async function runDaemonOnce (env: Record<string, string>, home = tmpDir('sup-cc-'), whileUp = async (): Promise<void> => {}): Promise<void> {
  const child = spawn(process.execPath, [DAEMON], { env: { ...process.env, SUP_HOME: home, ...env }, stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve() }))
  onTestFinished(async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited } })
  await waitFor(() => existsSync(join(home, 'sup.sock')), { timeoutMs: 20_000, what: 'the daemon to serve' })
  await whileUp()
  expect((await runSup(home, ['kill'])).code).toBe(0)
  await exited
}

describe('compile cache', () => {
  it('the CLI keeps its compiled code in SUP_COMPILE_CACHE on a node that has a compile cache, none on one without; the daemon adds none', async () => {
    const dir = join(tmpDir('sup-cc-'), 'cache')
    const ran = await supVersion({ SUP_COMPILE_CACHE: dir })
    expect(ran.code).toBe(0)
    const afterCli = filesUnder(dir)
    // node holds the cache it read or wrote for a process's whole life: ~1.1 MiB of a daemon at rest on Node 22, for
    // no measurable gain in its start (docs/performance.md)
    await runDaemonOnce({ SUP_COMPILE_CACHE: dir })
    if (HAS_CACHE) {
      expect(afterCli.length).toBeGreaterThan(0)
      expect(statSync(dir).mode & 0o777).toBe(0o700)
    } else {
      expect(afterCli).toEqual([])
    }
    expect(filesUnder(dir)).toEqual(afterCli)
  })

  it.skipIf(!HAS_CACHE)('`sup list --json` uses no compile cache: its 7 KB compiles sooner than a cache is checked and read', async () => {
    const home = tmpDir('sup-cc-')
    const dir = join(tmpDir('sup-cc-'), 'cache')
    await runDaemonOnce({}, home, async () => {
      const listed = await runSup(home, ['list', '--json'], { env: { SUP_COMPILE_CACHE: dir } })
      expect(listed.code).toBe(0)
      expect(JSON.parse(listed.stdout)).toEqual({ apps: [] })
    })
    expect(existsSync(dir)).toBe(false) // ~1 ms of each `sup list --json` on Node 24 (docs/performance.md)
    expect((await supVersion({ SUP_COMPILE_CACHE: dir })).code).toBe(0) // any other command keeps using it
    expect(filesUnder(dir).length).toBeGreaterThan(0)
  })

  it('a cache dir that others can write is not used, and the command still works', async () => {
    const dir = join(tmpDir('sup-cc-'), 'shared')
    mkdirSync(dir)
    chmodSync(dir, 0o777)
    const ran = await supVersion({ SUP_COMPILE_CACHE: dir })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/\d+\.\d+\.\d+/)
    await runDaemonOnce({ SUP_COMPILE_CACHE: dir })
    expect(filesUnder(dir)).toEqual([])
  })

  it('SUP_COMPILE_CACHE=off names no directory', () => {
    expect(compileCacheDir({ SUP_COMPILE_CACHE: 'off' })).toBeNull()
  })

  it('defaults to the user cache dir, never a shared one', () => {
    expect(compileCacheDir({}, '/home/ann')).toBe('/home/ann/.cache/sup/compile')
    expect(compileCacheDir({ XDG_CACHE_HOME: '/var/cache/ann' }, '/home/ann')).toBe('/var/cache/ann/sup/compile')
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/ann')).toBe('/home/ann/.cache/sup/compile')
  })

  it('refuses a symbolic link, a missing dir and a dir whose parent others can write', () => {
    const base = tmpDir('sup-cc-')
    const uid = process.getuid?.() ?? 0
    expect(untrustedBecause(join(base, 'missing'), uid)).toMatch(/does not exist/)
    const open = join(base, 'open')
    mkdirSync(join(open, 'cache'), { recursive: true, mode: 0o700 })
    chmodSync(open, 0o777)
    expect(untrustedBecause(join(open, 'cache'), uid)).toMatch(/writable by others/)
    chmodSync(open, 0o700)
    expect(untrustedBecause(join(open, 'cache'), uid)).toBeNull()
    expect(untrustedBecause(join(open, 'cache'), uid + 1)).toMatch(/belongs to uid/)
    symlinkSync(join(open, 'cache'), join(base, 'link'))
    expect(untrustedBecause(join(base, 'link'), uid)).toMatch(/symbolic link/)
  })
})
