// The built daemon bundle (pnpm build) loads what it needs and no more (docs/performance.md).
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const BUNDLE = new URL('../../bundle/', import.meta.url)
const js = (): string[] => readdirSync(BUNDLE).filter((f) => f.endsWith('.js'))
const read = (f: string): string => readFileSync(new URL(f, BUNDLE), 'utf8')

describe('the daemon bundle', () => {
  it('never requires node:http2 (fastify asks for it only for its http2 option; the bundle has a stub)', () => {
    expect(js().length).toBeGreaterThan(0)
    for (const f of js()) expect(read(f), f).not.toMatch(/require\(\s*["'](node:)?http2["']\s*\)/)
  })

  it('never loads node:https with fastify (its https option, which sup never sets; the bundle has a stub)', () => {
    const server = js().filter((f) => read(f).includes('kServerBindings')) // fastify's lib/server.js
    expect(server.length).toBe(1)
    for (const f of server) {
      expect(read(f), f).toContain('node:https is not part of the sup daemon')
      expect(read(f), f).not.toMatch(/(?:require\(\s*|from\s*)["'](node:)?https["']/)
    }
  })

  it('requires node:http, never imports it: an import reads its lazy getters (WebSocket…), which load undici, tls and http2 on Node 22/24', () => {
    expect(js().some((f) => /require\(\s*"node:http"\s*\)/.test(read(f)))).toBe(true)
    for (const f of js()) expect(read(f), f).not.toMatch(/(?:from|import)\s*["'](node:)?http["']/)
  })

  it('leaves ajv and fast-json-stringify out of the daemon\'s ESM files: they are in lazy-deps.cjs, read on first use', () => {
    const lazy = read('lazy-deps.cjs')
    // a message of ajv's and a function of fast-json-stringify's
    for (const mark of ['schema with key or id', 'buildValue']) {
      expect(lazy, mark).toContain(mark)
      for (const f of js()) expect(read(f), `${f}: ${mark}`).not.toContain(mark)
    }
  })

  it('loads neither fastify, typebox nor zlib before its state is restored: a cold start\'s workers spawn first', () => {
    // the daemon (main.js) and every chunk it imports statically (an `import("./x.js")` is loaded later, on its call)
    const loaded = new Set<string>()
    const visit = (f: string): void => {
      if (loaded.has(f)) return
      loaded.add(f)
      for (const m of read(f).matchAll(/(?:from|import)\s*"\.\/([\w-]+\.js)"/g)) visit(m[1] ?? '')
    }
    visit('main.js')
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

describe('the sup-logd bundle', () => {
  it('requires neither node:crypto nor node:child_process: it reads FIFOs and writes files, a bare node and its own few modules', () => {
    const logd = read('logd-main.cjs')
    expect(logd).toContain('sup-logd ready')
    const required = new Set([...logd.matchAll(/require\(\s*["'](?:node:)?([\w/.-]+)["']\s*\)/g)].map((m) => m[1]))
    expect(required).toContain('net') // its FIFOs are read as sockets
    // each cost a sup-logd on Node 24 ~3 MiB of RSS at rest (docs/performance.md); the daemon's settings, its workers'
    // marker (a sha256) and mkfifo are the daemon's
    expect(required).not.toContain('crypto')
    expect(required).not.toContain('child_process')
  })

  it('never touches the `performance` global: its first use loads node\'s perf_hooks (~1.3 MiB of a bare node\'s RSS on Node 24)', () => {
    const logd = read('logd-main.cjs')
    expect(logd).toContain('sup-logd ready')
    expect(logd).not.toMatch(/\bperformance\s*\.\s*\w/)
  })
})
