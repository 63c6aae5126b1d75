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

  it('loads neither fastify, typebox nor zlib before its state is restored: a cold start\'s workers spawn first', () => {
    const read = (f: string): string => readFileSync(new URL(f, BUNDLE), 'utf8')
    const entry = /import\(\s*"\.\/(main-[\w-]+\.js)"\s*\)/.exec(read('main.js'))?.[1]
    expect(entry).toBeDefined()
    // the daemon's chunk and every chunk it imports statically (an `import("./x.js")` is loaded later, on its call)
    const loaded = new Set<string>()
    const visit = (f: string): void => {
      if (loaded.has(f)) return
      loaded.add(f)
      for (const m of read(f).matchAll(/(?:from|import)\s*"\.\/([\w-]+\.js)"/g)) visit(m[1] ?? '')
    }
    visit(entry ?? '')
    const atStart = [...loaded].map(read).join('\n')
    expect(atStart).toContain('state restored')
    expect(atStart).toMatch(/import\(\s*"\.\/server-[\w-]+\.js"\s*\)/) // the HTTP API, imported after the boot
    expect(atStart, "fastify's plugin loader (avvio)").not.toContain('AVV_ERR_')
    expect(atStart, 'typebox').not.toContain('~kind')
    expect(atStart, 'node:zlib').not.toMatch(/(?:from|import)\s*"node:zlib"/)
  })

  it('carries the generated request validators beside it', () => {
    expect(readdirSync(new URL('validators/', BUNDLE)).filter((f) => f.endsWith('.js')).length).toBeGreaterThan(30)
  })
})
