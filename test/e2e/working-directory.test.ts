// e2e: an app runs in the directory `sup start` ran in, as `node dist/main.js` and PM2 do: files it opens relative to
// process.cwd() (.env, config/) are the project's. A Capistrano-style layout (releases/<id>, a `current` symlink
// switched at each deploy): an app started from a shell inside `current` runs the release `current` names at each
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

/** `<home>/project` with a .env at its root and dist/main.js, which reads .env from process.cwd() (as dotenv does) and serves it. */
function dotenvProject (home: string): string {
  const root = `${home}/project`
  mkdirSync(`${root}/dist`, { recursive: true })
  writeFileSync(`${root}/.env`, 'GREETING=from the project root\n')
  writeFileSync(`${root}/dist/main.js`, "const env = require('node:fs').readFileSync('.env', 'utf8'); require('node:http').createServer((q, s) => s.end(env.trim())).listen(+process.env.PORT, '127.0.0.1')\n")
  return root
}

describe("an app's working directory", () => {
  it('is where `sup start` ran, not the script\'s directory: `sup start dist/main.js` finds the project\'s .env', async () => {
    const home = useSupHome()
    const root = dotenvProject(home)
    const ports = await freePortRange(1)
    const r = await runSup(home, ['start', 'dist/main.js', '--name', 'api', '--port-range', ports.range], { cwd: root })
    expect(r.code, r.stderr).toBe(0)
    expect((await supJson<AppView>(home, ['show', 'api'])).spec.cwd).toBe(root)
    expect((await httpGet(ports.from)).body).toBe('GREETING=from the project root')
  })

  it('of an app in a config file is the file\'s directory, when the app names none', async () => {
    const home = useSupHome()
    const root = dotenvProject(home)
    const ports = await freePortRange(1)
    writeFileSync(`${root}/ecosystem.config.js`, `module.exports = { apps: [{ name: 'api', script: 'dist/main.js', env: { PORT: ${ports.from} } }] }\n`)
    const r = await runSup(home, ['start', `${root}/ecosystem.config.js`])
    expect(r.code, r.stderr).toBe(0)
    expect((await supJson<AppView>(home, ['show', 'api'])).spec.cwd).toBe(root)
    expect((await httpGet(ports.from)).body).toBe('GREETING=from the project root')
  })
})

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
