// Every relative link in the README and the docs resolves to a file inside the repository, and nothing points outside it.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@sup/test-support'

/** Pages other branches of this release add (issues 11-14): linked from the README before they land. */
const PENDING = new Set<string>([])

const ROOT = resolve(REPO_ROOT)
const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)
const PAGES = ['README.md', 'CHANGELOG.md', 'examples/README.md', 'packages/client/README.md', 'packages/cli/README.md', 'bench/README.md', ...docs]
  .filter((p) => existsSync(join(ROOT, p)))

/** [text](target) links that are not URLs or same-page anchors, without their #fragment. */
function relativeLinks (markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '')
    .filter((t) => !/^[a-z]+:/i.test(t) && !t.startsWith('#'))
    .map((t) => t.split('#')[0] ?? '')
}

describe('links in the docs', () => {
  it.each(PAGES)('%s: every relative link resolves inside the repository', (page) => {
    const text = readFileSync(join(ROOT, page), 'utf8')
    expect(text).not.toMatch(/\.\.\/shared|\/work\/shared/)
    for (const link of relativeLinks(text)) {
      const target = resolve(ROOT, dirname(page), link)
      const inRepo = relative(ROOT, target)
      expect(inRepo.startsWith('..'), `${page}: ${link} leaves the repository`).toBe(false)
      expect(existsSync(target) || PENDING.has(inRepo), `${page}: ${link} does not exist`).toBe(true)
    }
  })

  it('the README links every docs page', () => {
    const linked = new Set(relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8')))
    for (const page of [...docs, ...PENDING]) expect(linked.has(page), `README.md does not link ${page}`).toBe(true)
  })
})
