// e2e: one version everywhere (`sup --version`, the daemon's /healthz), and a CLI that refuses a daemon of another API.
import { createServer } from 'node:http'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createClient } from '@sup/client'
import { PROTOCOL_VERSION, SUP_VERSION } from '../../packages/protocol/src/index.ts'
import { REPO_ROOT, runSup, useSupHome } from '@sup/test-support'
import { readFileSync } from 'node:fs'

describe('versions', () => {
  it('`sup --version` prints the packages\' version, and the daemon it starts reports the same one and the protocol', async () => {
    const home = useSupHome()
    const cli = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }
    const r = await runSup(home, ['--version'])
    expect(r.stdout.trim()).toBe(cli.version)
    expect(cli.version).toBe(SUP_VERSION)

    expect((await runSup(home, ['list'])).code).toBe(0)
    const health = await createClient({ home }).health()
    expect(health).toMatchObject({ version: SUP_VERSION, protocol: PROTOCOL_VERSION })
  })

  it('a daemon answering another protocol (here: none, as sup 0.1.0) is refused before any command reaches it', async () => {
    const home = useSupHome()
    const seen: string[] = []
    const old = createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''}`)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(req.url === '/healthz' ? { ok: true, pid: 4242, version: '0.1.0', home } : { apps: [] }))
    })
    await new Promise<void>((resolve) => old.listen(join(home, 'sup.sock'), resolve))
    onTestFinished(() => new Promise<void>((resolve) => old.close(() => resolve())))

    const r = await runSup(home, ['list'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`This sup (${SUP_VERSION}, protocol ${PROTOCOL_VERSION}) cannot talk to the running daemon (pid 4242, sup 0.1.0, protocol none)`)
    expect(r.stderr).toContain('sup daemon --restart')
    expect(seen).toEqual(['GET /healthz'])
  })
})
