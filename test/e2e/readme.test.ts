// e2e: the README's tour runs as written (in order, with its own SUP_HOME and free ports), and the docs' recipes
// do what they say: docs/nginx.md's `sup start` line is accepted, the curl deploy recipe exits non-zero when refused.
import { execFile } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { freePortRange, REPO_ROOT, runSup, useSupHome } from '@sup/test-support'

/** The lines of the first ```sh block after `marker` in a markdown file, comments and blanks dropped. */
export function shellBlockAfter (file: string, marker: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8')
  const at = text.indexOf(marker)
  if (at < 0) throw new Error(`${file}: no '${marker}'`)
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at))?.[1] ?? ''
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '' && !l.startsWith('#'))
}

/** Splits a shell line on spaces (the tour uses no quotes). */
const words = (line: string): string[] => line.split(/\s+/)

describe('the README', () => {
  it('runs the tour line by line, each command exiting 0', async () => {
    const home = useSupHome()
    const [a, b] = [await freePortRange(5), await freePortRange(2)]
    const lines = shellBlockAfter('README.md', '<!-- the tour')
    expect(lines.length).toBeGreaterThan(10)
    for (const line of lines) {
      const args = words(line.replace('8000-8004', a.range).replace('8010-8011', b.range))
      expect(args[0]).toBe('sup')
      const r = await runSup(home, args.slice(1), { timeoutMs: 120_000 })
      expect(r.code, `${line}\n${r.stderr}`).toBe(0)
    }
  }, 300_000)
})

describe('the docs\' recipes', () => {
  it('docs/nginx.md: the set-up\'s `sup start` line is accepted as written', async () => {
    const home = useSupHome()
    const ports = await freePortRange(4)
    const line = shellBlockAfter('docs/nginx.md', '## Setting it up').find((l) => l.startsWith('sup start')) ?? ''
    expect(line).toMatch(/^sup start server\.js/)
    const r = await runSup(home, words(line).slice(1), { cwd: join(REPO_ROOT, 'examples/hello'), env: { SUP_PORT_POOL: ports.range } })
    expect(r.code, r.stderr).toBe(0)
  })

  it('docs/deploys.md: the curl recipe exits non-zero when the daemon refuses the deploy', async () => {
    const home = useSupHome()
    expect((await runSup(home, ['list'])).code).toBe(0)
    const text = readFileSync(join(REPO_ROOT, 'docs/deploys.md'), 'utf8')
    const recipe = /`(tar -cz \. \| curl [^`]+)`/.exec(text)?.[1] ?? ''
    expect(recipe).toContain('--unix-socket $SUP_HOME/sup.sock')
    const empty = mkdtempSync('/tmp/sup-nothing-') // no package.json, no server.js: nothing to start
    onTestFinished(() => rmSync(empty, { recursive: true, force: true }))
    cpSync(join(REPO_ROOT, 'LICENSE'), join(empty, 'LICENSE'))
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('bash', ['-c', `set -o pipefail; ${recipe}`], { cwd: empty, env: { ...process.env, SUP_HOME: home }, timeout: 60_000 }, (err, stdout) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, out: stdout })
      })
    })
    expect(r.code).not.toBe(0)
    expect(r.out).toMatch(/SUP_ERR_/)
  })
})
