import { defineConfig } from 'tsup'

// The daemon and sup-logd as bundles: one file each to load, not hundreds of modules (start-up time is a
// feature: `sup start` with no daemon running waits for it). better-sqlite3 stays external (native addon).
const shared = {
  platform: 'node',
  target: 'node20',
  outDir: 'bundle',
  bundle: true,
  external: ['better-sqlite3'],
  noExternal: [/^(?!better-sqlite3)/],
  esbuildOptions (o: { conditions?: string[] }) { o.conditions = ['@sup/source'] },
  sourcemap: false
} as const

/**
 * fastify requires node:http2 when it loads, for its `http2` option, which sup never sets (its API is HTTP/1.1 on a
 * unix socket or TCP): in the bundle that require gets a stub that fails loudly if ever used. Loading node:http2
 * cost the daemon ~15 ms of every start and ~1.5 MiB (docs/performance.md).
 */
const noHttp2 = {
  name: 'no-http2',
  setup (build: { onResolve: (o: { filter: RegExp }, f: () => unknown) => void; onLoad: (o: { filter: RegExp; namespace: string }, f: () => unknown) => void }) {
    build.onResolve({ filter: /^(node:)?http2$/ }, () => ({ path: 'http2', namespace: 'sup-no-http2' }))
    build.onLoad({ filter: /.*/, namespace: 'sup-no-http2' }, () => ({
      loader: 'js',
      contents: "module.exports = new Proxy({}, { get (_, key) { throw new Error('node:http2 is not part of the sup daemon (fastify asked for ' + String(key) + ')') } })"
    }))
  }
}

export default defineConfig([
  {
    ...shared,
    entry: { main: 'src/main.ts' },
    format: ['esm'],
    esbuildPlugins: [noHttp2],
    // else tsup strips `node:` and marks those imports external itself, before noHttp2 sees node:http2
    removeNodeProtocol: false,
    splitting: true,
    // CommonJS dependencies (fastify's, pino's) call require(): give the ESM bundle one.
    banner: { js: "import { createRequire as __supCreateRequire } from 'node:module'; const require = __supCreateRequire(import.meta.url);" },
    clean: false // the bundle script empties bundle/ first: two builds write into it
  },
  {
    // sup-logd as one CommonJS file: node's ESM loader alone costs a process ~1.5 MiB of RSS (docs/performance.md)
    ...shared,
    entry: { 'logd-main': 'src/logd-main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    splitting: false,
    clean: false
  }
])
