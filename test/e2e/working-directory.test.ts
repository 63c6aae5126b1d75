// e2e: a Capistrano-style layout (releases/<id>, a `current` symlink switched at each deploy). An app started from a
// shell inside `current` (`cd /srv/app/current && sup start server.js`) runs the release `current` names at each
// (re)start, as the shell's own path says; PM2 resolves the symlink once, and a reload after a deploy runs the old code.
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AppView } from '../../packages/protocol/src/index.ts'
import { freePortRange, httpGet, runSup, supJson, useSupHome } from '@sup/test-support'

/** releases/<id>/server.js answering with its release id; `current` -> releases/<id>. */
function release (root: string, id: string): void {
  mkdirSync(`${root}/releases/${id}`, { recursive: true })
  writeFileSync(`${root}/releases/${id}/server.js`, `require('node:http').createServer((q, s) => s.end('release ${id}')).listen(+process.env.PORT, '127.0.0.1')\n`)
}

/** Points `current` at releases/<id> in one rename, as deploy tools do. */
function switchTo (root: string, id: string): void {
  symlinkSync(`releases/${id}`, `${root}/current.new`)
  renameSync(`${root}/current.new`, `${root}/current`)
}

describe('an app started inside a symlinked release directory', () => {
  it('keeps the path the shell gave (PWD), so a reload after the symlink moved runs the new release', async () => {
    const home = useSupHome()
    const root = `${home}/srv`
    release(root, 'r1')
    release(root, 'r2')
    switchTo(root, 'r1')
    const ports = await freePortRange(4)
    const shell = { cwd: `${root}/current`, env: { PWD: `${root}/current` } }
    const r = await runSup(home, ['start', 'server.js', '--name', 'web', '-n', '2', '--port-range', ports.range], shell)
    expect(r.code, r.stderr).toBe(0)
    const started = await supJson<AppView>(home, ['show', 'web'])
    expect(started.spec.script).toBe(`${root}/current/server.js`)
    expect(started.spec.cwd).toBe(`${root}/current`)
    expect((await httpGet(started.workers[0]?.port ?? 0)).body).toBe('release r1')

    switchTo(root, 'r2')
    const reload = await runSup(home, ['reload', 'web'])
    expect(reload.code, reload.stderr).toBe(0)
    const reloaded = await supJson<AppView>(home, ['show', 'web'])
    for (const w of reloaded.workers) expect((await httpGet(w.port ?? 0)).body).toBe('release r2')
  })

  it('a PWD that is not the working directory (stale, or set by hand) is not used', async () => {
    const home = useSupHome()
    const root = `${home}/srv`
    release(root, 'r1')
    mkdirSync(`${root}/elsewhere`)
    const ports = await freePortRange(1)
    const r = await runSup(home, ['start', 'server.js', '--name', 'web', '--port-range', ports.range], { cwd: `${root}/releases/r1`, env: { PWD: `${root}/elsewhere` } })
    expect(r.code, r.stderr).toBe(0)
    expect((await supJson<AppView>(home, ['show', 'web'])).spec.script).toBe(`${root}/releases/r1/server.js`)
  })
})
