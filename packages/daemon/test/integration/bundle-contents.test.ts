// The built daemon bundle (pnpm build) loads what it needs and no more (docs/performance.md).
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const BUNDLE = new URL('../../bundle/', import.meta.url)
const js = (): string[] => readdirSync(BUNDLE).filter((f) => f.endsWith('.js'))

describe('the daemon bundle', () => {
  it('never requires node:http2 (fastify asks for it only for its http2 option; the bundle has a stub)', () => {
    expect(js().length).toBeGreaterThan(0)
    for (const f of js()) expect(readFileSync(new URL(f, BUNDLE), 'utf8'), f).not.toMatch(/require\(\s*["'](node:)?http2["']\s*\)/)
  })

  it('leaves ajv and fast-json-stringify out of the daemon\'s ESM files: they are in lazy-deps.cjs, read on first use', () => {
    const lazy = readFileSync(new URL('lazy-deps.cjs', BUNDLE), 'utf8')
    // a message of ajv's and a function of fast-json-stringify's
    for (const mark of ['schema with key or id', 'buildValue']) {
      expect(lazy, mark).toContain(mark)
      for (const f of js()) expect(readFileSync(new URL(f, BUNDLE), 'utf8'), `${f}: ${mark}`).not.toContain(mark)
    }
  })

  it('carries the generated request validators beside it', () => {
    expect(readdirSync(new URL('validators/', BUNDLE)).filter((f) => f.endsWith('.js')).length).toBeGreaterThan(30)
  })
})
