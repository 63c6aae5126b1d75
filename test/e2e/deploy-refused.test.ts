// e2e: an upload the daemon refuses early (over the body limit) still gets its answer — curl and `sup deploy`
// see SUP_ERR_TOO_LARGE, not a broken pipe — and nothing is left under apps/.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { EXAMPLES, runSup, useSupHome } from '@sup/test-support'

/** examples/hello plus 8 MB that gzip cannot shrink: 4x over a 2 MB body limit. */
function bigApp (): string {
  const dir = mkdtempSync('/tmp/sup-big-')
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(`${EXAMPLES}/hello`, dir, { recursive: true })
  writeFileSync(`${dir}/blob.bin`, randomBytes(8 * 1024 ** 2))
  return dir
}

describe('a refused upload', () => {
  it('over the body limit: every try answers SUP_ERR_TOO_LARGE (curl and sup deploy), nothing kept', async () => {
    const home = useSupHome()
    const env = { SUP_DEPLOY_MAX_BODY: '2M' }
    expect((await runSup(home, ['list'], { env })).code).toBe(0)
    const dir = bigApp()
    for (let i = 0; i < 5; i++) {
      const r = spawnSync('sh', ['-c', 'tar -cz -C "$DIR" . 2>/dev/null | curl -sS -XPOST -T- --unix-socket "$SOCK" http://x/deploy/alice/big'], { env: { ...process.env, DIR: dir, SOCK: `${home}/sup.sock` }, encoding: 'utf8', timeout: 30_000 })
      expect(r.stderr).not.toMatch(/Broken pipe|reset/i)
      expect((JSON.parse(r.stdout) as { error: { code: string } }).error.code).toBe('SUP_ERR_TOO_LARGE')
    }
    for (let i = 0; i < 3; i++) {
      const r = await runSup(home, ['deploy', dir, '--app', 'big'], { env })
      expect(r.code).not.toBe(0)
      expect(r.stderr, `try ${i}`).toMatch(/larger than 2097152 bytes/)
    }
    expect(existsSync(`${home}/apps`) ? readdirSync(`${home}/apps`) : []).toEqual([])
  })
})
