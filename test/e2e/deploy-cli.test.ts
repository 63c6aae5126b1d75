// e2e: `sup deploy` / `sup releases` / `sup rollback` with the built CLI and daemon: real uploads, real workers, real HTTP.
import { cpSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { DeployResult, ReleaseList } from '../../packages/protocol/src/index.ts'
import { EXAMPLES, freePortRange, httpGet, runSup, supJson, tmpDir, useSupHome } from '@sup/test-support'

/** A copy of examples/hello whose answer says `text` (and whose script can be replaced). */
function helloVariant (text: string, script?: string): string {
  const dir = tmpDir('app-')
  cpSync(`${EXAMPLES}/hello`, dir, { recursive: true })
  writeFileSync(`${dir}/server.js`, script ?? `require('http').createServer((q, s) => s.end('${text} from pid ' + process.pid + '\\n')).listen(+process.env.PORT)\n`)
  writeFileSync(`${dir}/package.json`, JSON.stringify({ name: 'hello', main: 'server.js', private: true }))
  return dir
}

const bodies = async (result: DeployResult): Promise<string[]> => Promise.all(result.workers.map(async (w) => (await httpGet(w.port ?? 0)).body))

describe('sup deploy / releases / rollback', () => {
  it('deploys examples/hello, a second release, lists both, and rolls back to the first code', async () => {
    const home = useSupHome()
    const ports = await freePortRange(3)
    const first = await supJson<DeployResult>(home, ['deploy', `${EXAMPLES}/hello`, '--app', 'hello', '-n', '2', '--port-range', ports.range])
    expect(first.release.current).toBe(true)
    expect(first.workers.map((w) => w.state)).toEqual(['online', 'online'])
    for (const body of await bodies(first)) expect(body).toMatch(/^hello from pid \d+/)

    const r2 = await runSup(home, ['deploy', helloVariant('v2'), '--app', 'hello'])
    expect(r2.code, r2.stderr).toBe(0)
    expect(r2.stdout).toMatch(/^deployed hello: release \S+ \(sha256 [0-9a-f]{12}, \d+ B, \d+ files\)$/m)
    expect(r2.stdout).toMatch(/^hello\s+0\s+\d+\s+\d+\s+online/m)
    const { apps } = await supJson<{ apps: { name: string; workers: { port: number | null }[] }[] }>(home, ['list'])
    const servingPorts = apps[0]?.workers.map((w) => w.port ?? 0) ?? []
    expect(servingPorts).toHaveLength(2)
    for (const p of servingPorts) expect((await httpGet(p)).body).toMatch(/^v2 from pid/)

    const list = await supJson<ReleaseList>(home, ['releases', 'hello'])
    expect(list.releases).toHaveLength(2)
    expect(list.releases.map((r) => r.current)).toEqual([true, false])
    expect(list.releases[1]?.id).toBe(first.release.id)
    const table = await runSup(home, ['releases', 'hello'])
    expect(table.stdout.split('\n').filter((l) => l.startsWith('*'))).toHaveLength(1)

    const back = await runSup(home, ['rollback', 'hello'])
    expect(back.code, back.stderr).toBe(0)
    expect(back.stdout).toContain(`rolled back hello: release ${first.release.id}`)
    const after = await supJson<{ apps: { workers: { port: number | null }[] }[] }>(home, ['list'])
    for (const w of after.apps[0]?.workers ?? []) expect((await httpGet(w.port ?? 0)).body).toMatch(/^hello from pid/)
    expect((await supJson<ReleaseList>(home, ['releases', 'hello'])).releases.find((r) => r.current)?.id).toBe(first.release.id)
  })

  it("a release whose workers crash: exit 1, the error and the workers' output on stderr, the old release keeps serving", async () => {
    const home = useSupHome()
    const ports = await freePortRange(2)
    const first = await supJson<DeployResult>(home, ['deploy', `${EXAMPLES}/hello`, '--app', 'hello', '--port-range', ports.range])
    const broken = helloVariant('', "console.log('starting v3')\nconsole.error('Error: DATABASE_URL is not set')\nprocess.exit(1)\n")
    const r = await runSup(home, ['deploy', broken, '--app', 'hello'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/^sup: Deploy of 'hello' failed/m)
    expect(r.stderr).toContain('  | Error: DATABASE_URL is not set')
    expect(r.stdout).toBe('')
    expect((await bodies(first))[0]).toMatch(/^hello from pid/)
    expect((await supJson<ReleaseList>(home, ['releases', 'hello'])).releases.map((x) => x.id)).toEqual([first.release.id])
  })

  it('leaves out .supignore\'d files and node_modules; a bad --host or a missing token is a usage error naming no token', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    const dir = helloVariant('v1')
    writeFileSync(`${dir}/.supignore`, 'secret.txt\n')
    writeFileSync(`${dir}/secret.txt`, 'no')
    cpSync(`${EXAMPLES}/hello`, `${dir}/node_modules/dep`, { recursive: true })
    const result = await supJson<DeployResult>(home, ['deploy', dir, '--app', 'hello', '--port-range', ports.range])
    expect(result.release.files).toBe(3) // package.json, server.js, .supignore

    const noToken = await runSup(home, ['releases', 'hello', '--host', 'http://127.0.0.1:9'], { env: { SUP_TOKEN: '' } })
    expect(noToken.code).not.toBe(0)
    expect(noToken.stderr).toMatch(/needs a token/)
    const wrongHost = await runSup(home, ['releases', 'hello', '--host', 'http://127.0.0.1:9', '--token', 'sekrit-value-123'])
    expect(wrongHost.code).not.toBe(0)
    expect(wrongHost.stderr).not.toContain('sekrit-value-123')
  })
})
