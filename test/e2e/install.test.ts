// e2e: sup installed as a user would, from the packed tarballs with plain npm into a temp prefix (no pnpm, no
// checkout on PATH): `sup` starts, lists and kills, its daemon and sup-logd run from the install, `sup startup` names
// the installed binary; the client installs into a scratch project and deploys from ESM, answers from CommonJS,
// and type-checks from TypeScript.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SUP_VERSION } from '../../packages/protocol/src/version.ts'
import { cleanupHome, EXAMPLES, freePortRange, REPO_ROOT } from '@sup/test-support'
import { packAll } from '../../scripts/pack-all.mjs'
import { localPrebuilt, plainEnv, run, servePrebuilt } from './install-support.ts'

// npm may be slow to reach the registry; --prefer-offline takes what its cache has (better-sqlite3 and its 38 small
// dependencies, after a first install) without asking again.
const INSTALL_TIMEOUT_MS = 15 * 60_000
const work = mkdtempSync('/tmp/sup-install-')
const prefix = join(work, 'prefix')
const home = join(work, 'home')
const project = join(work, 'project')
const env = plainEnv(prefix, home)
let tarballs: { cli: string; client: string }
let mirror: { url: string; server: Server; hits: string[] } | undefined

beforeAll(async () => {
  const [cli, client] = packAll({ out: join(work, 'packed'), build: false })
  tarballs = { cli: cli ?? '', client: client ?? '' }
  const prebuilt = localPrebuilt(work)
  mirror = prebuilt === null ? undefined : await servePrebuilt(prebuilt)
  const npmEnv = { ...env, ...(mirror === undefined ? {} : { npm_config_better_sqlite3_binary_host: mirror.url }) }
  const r = await run('npm', ['install', '-g', '--prefer-offline', '--prefix', prefix, tarballs.cli], { cwd: work, env: npmEnv, timeoutMs: INSTALL_TIMEOUT_MS })
  expect(r.code, `npm install -g failed:\n${r.stdout}\n${r.stderr}`).toBe(0)
  console.log(`better-sqlite3: ${mirror !== undefined && mirror.hits.some((h) => h.endsWith('.tar.gz')) ? 'prebuilt from this repository\'s build (local mirror)' : 'compiled from source'}`)
}, INSTALL_TIMEOUT_MS)

afterAll(async () => {
  await cleanupHome(home)
  await new Promise<void>((resolve) => mirror === undefined ? resolve() : mirror.server.close(() => resolve()))
  rmSync(work, { recursive: true, force: true })
})

const sup = (args: readonly string[]) => run('sup', args, { cwd: work, env })

describe('installed from the packed tarballs', () => {
  it('gives `sup` on PATH: start, list, logs through sup-logd, startup, kill; everything runs from the install', async () => {
    expect((await sup(['--version'])).stdout.trim()).toBe(SUP_VERSION)
    cpSync(join(EXAMPLES, 'hello'), join(work, 'hello'), { recursive: true })
    const ports = await freePortRange(2)
    const started = await sup(['start', join(work, 'hello/server.js'), '--name', 'hello', '-n', '2', '--port-range', ports.range])
    expect(started.code, started.stderr).toBe(0)

    const list = JSON.parse((await sup(['list', '--json'])).stdout) as { apps: { name: string; workers: { state: string; port: number }[] }[] }
    expect(list.apps.map((a) => [a.name, a.workers.map((w) => w.state)])).toEqual([['hello', ['online', 'online']]])
    for (const w of list.apps[0]?.workers ?? []) expect((await fetch(`http://127.0.0.1:${w.port}/`)).status).toBe(200)

    const ps = await run('ps', ['-eo', 'args'], { cwd: work, env })
    const daemon = ps.stdout.split('\n').filter((l) => l.includes(join(prefix, 'lib/node_modules/@sup/cli/bundle/daemon/')))
    expect(daemon.some((l) => l.includes('daemon/main.js'))).toBe(true)
    expect(daemon.some((l) => l.includes('daemon/logd-main.cjs'))).toBe(true)
    expect(readdirSync(join(home, 'logs')).filter((f) => f.endsWith('.log'))).toEqual(['hello-0.log', 'hello-1.log'])

    const unit = await sup(['startup'])
    expect(unit.code, unit.stderr).toBe(0)
    expect(unit.stdout).toContain(join(prefix, 'lib/node_modules/@sup/cli/bin/sup.js'))

    const killed = await sup(['kill'])
    expect(killed.code, killed.stderr).toBe(0)
    expect((await sup(['list', '--json'])).code).toBe(0) // a new daemon from the install brings the app back
    expect((await sup(['kill'])).code).toBe(0)
  }, 300_000)

  it('the client installs into a project with plain npm: deploys from ESM, answers from CommonJS, types from TypeScript', async () => {
    cpSync(join(EXAMPLES, 'hello'), join(work, 'app'), { recursive: true })
    mkdirSync(project)
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, version: '1.0.0' }))
    const installed = await run('npm', ['install', '--prefer-offline', tarballs.client], { cwd: project, env, timeoutMs: 5 * 60_000 })
    expect(installed.code, installed.stderr).toBe(0)
    expect((await sup(['list'])).code).toBe(0) // a daemon to talk to (the client never starts one)

    const ports = await freePortRange(2)
    writeFileSync(join(project, 'deploy.mjs'), [
      "import { createClient } from '@sup/client'",
      'const sup = createClient()',
      `const result = await sup.deploy(${JSON.stringify(join(work, 'app'))}, { app: 'web', instances: 2, portRange: '${ports.range}' })`,
      "const app = await sup.waitFor('web', 'online', { timeoutMs: 30000 })",
      'console.log(JSON.stringify({ release: result.release.id, ports: app.workers.map((w) => w.port) }))'
    ].join('\n'))
    const deployed = await run('node', ['deploy.mjs'], { cwd: project, env, timeoutMs: 120_000 })
    expect(deployed.code, deployed.stderr).toBe(0)
    const out = JSON.parse(deployed.stdout) as { release: string; ports: number[] }
    expect(out.ports).toHaveLength(2)
    for (const port of out.ports) expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toMatch(/hello/i)

    writeFileSync(join(project, 'health.cjs'), "const { createClient } = require('@sup/client')\ncreateClient().health().then((h) => console.log(h.version))\n")
    expect((await run('node', ['health.cjs'], { cwd: project, env })).stdout.trim()).toBe(SUP_VERSION)

    writeFileSync(join(project, 'check.ts'), [
      "import { createClient, type AppView, type DeployResult } from '@sup/client'",
      'export async function go (): Promise<number> {',
      '  const r: DeployResult = await createClient().deploy(".", { app: "web" })',
      "  const app: AppView = await createClient().waitFor('web', 'online')",
      '  // @ts-expect-error: not a worker state',
      "  await createClient().waitFor('web', 'sleeping')",
      '  return r.workers.length + app.workers.length',
      '}'
    ].join('\n'))
    // A TypeScript project has @types/node (the client's types name node:stream's Readable): the repository's.
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, typeRoots: [join(REPO_ROOT, 'node_modules/@types')], types: ['node'] }, files: ['check.ts'] }))
    const tsc = await run('node', [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: project, env })
    expect(tsc.code, tsc.stdout).toBe(0)
    expect(readdirSync(join(project, 'node_modules/@sup'))).toEqual(['client']) // no daemon, no protocol package
    expect(readdirSync(join(project, 'node_modules'))).not.toContain('better-sqlite3')
    expect((await sup(['kill'])).code).toBe(0)
  }, 300_000)
})
