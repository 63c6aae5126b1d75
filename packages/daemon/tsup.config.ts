import { createRequire } from 'node:module'
import { dirname } from 'node:path'
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
  sourcemap: false,
  // Whitespace and syntax only: names stay, so a stack trace still says which function (each start parses the
  // bundle and keeps its source in the heap: 1.14 -> 0.74 MB, 1.5 MiB less RSS, docs/performance.md)
  minifyWhitespace: true,
  minifySyntax: true
} as const

type Build = {
  onResolve: (o: { filter: RegExp }, f: (a: { path: string, importer: string, namespace: string }) => unknown) => void
  onLoad: (o: { filter: RegExp; namespace: string }, f: (a: { path: string }) => unknown) => void
}

/**
 * A node module the daemon never uses, which a dependency requires when it loads: in the bundle that require gets a
 * stub that fails loudly if ever used. `from` limits it to the requires of one file.
 */
function stub (name: string, why: string, from?: RegExp): { name: string, setup: (build: Build) => void } {
  const namespace = `sup-no-${name}`
  return {
    name: namespace,
    setup (build) {
      build.onResolve({ filter: new RegExp(`^(node:)?${name}$`) }, (a) => from === undefined || from.test(a.importer) ? { path: name, namespace } : undefined)
      build.onLoad({ filter: /.*/, namespace }, () => ({
        loader: 'js',
        contents: `module.exports = new Proxy({}, { get (_, key) { throw new Error('node:${name} is not part of the sup daemon (${why}: ' + String(key) + ')') } })`
      }))
    }
  }
}

/**
 * fastify requires node:http2 and node:https when it loads, for its `http2` and `https` options, which sup never sets
 * (its API is HTTP/1.1 on a unix socket or TCP; TLS goes in front, docs/deploys.md). Loading node:http2 cost the
 * daemon ~15 ms of every start and ~1.5 MiB; node:https (and the TLS code it loads) costs a bare node ~3 MiB of RSS
 * on Node 24, 0.4 on Node 20 (docs/performance.md). Other dependencies keep the real node:https (prom-client's push gateway).
 */
const noHttp2 = stub('http2', 'fastify asked for its http2 option')
const noHttps = stub('https', 'fastify asked for its https option', /[\\/]fastify[\\/]lib[\\/]server\.js$/)

/**
 * The daemon's ESM files get node:http through require(), not `import`: an `import` of a node module reads every
 * property of it, and on Node 22/24 node:http has lazy getters (WebSocket, CloseEvent, MessageEvent) that load undici,
 * which loads tls, http2, zlib, crypto, worker_threads and more. Through require() they stay unread: with the node:https
 * stub, the daemon at rest 74.0 -> 68.7 MiB on Node 24, 76.2 -> 69.2 on Node 22, the same on Node 20
 * (docs/performance.md). Only node:http: the other modules the daemon imports load nothing more by `import` than it
 * loads anyway, and each `import` of a CommonJS module costs a copy of its properties (node:fs through require() at
 * its 44 imports: ~1 MiB more on Node 20).
 */
const httpByRequire = {
  name: 'node-http-by-require',
  setup (build: Build) {
    // the stub's own require() is node's
    build.onResolve({ filter: /^(node:)?http$/ }, (a) => a.namespace === 'sup-node-http' ? undefined : { path: 'http', namespace: 'sup-node-http' })
    build.onLoad({ filter: /.*/, namespace: 'sup-node-http' }, () => ({ loader: 'js', contents: 'module.exports = require("node:http")' }))
  }
}

/**
 * What a running daemon loads only in rare cases lives in a file of its own, bundle/lazy-deps.cjs (src/lazy-deps.cjs),
 * read from disk on first use: ajv (through fastify's ajv compiler: a request schema the build did not precompile),
 * fast-json-stringify (the tests' answer check) and light-my-request (fastify's inject, never used by the daemon).
 * In main.js they were ~650 KB of the 1.86 MB every daemon start parsed and kept as source in its heap.
 */
const LAZY_DEPS: Readonly<Record<string, string>> = {
  '@fastify/ajv-compiler': 'ajvCompiler',
  '@fastify/fast-json-stringify-compiler': 'serializerCompiler',
  'light-my-request': 'lightMyRequest'
}
const lazyDeps = {
  name: 'lazy-deps',
  setup (build: { onResolve: (o: { filter: RegExp; namespace?: string }, f: (a: { path: string }) => unknown) => void; onLoad: (o: { filter: RegExp; namespace: string }, f: (a: { path: string }) => unknown) => void }) {
    const names = Object.keys(LAZY_DEPS).map((n) => n.replace(/[/.]/g, '\\$&')).join('|')
    build.onResolve({ filter: new RegExp(`^(${names})$`) }, (a) => ({ path: a.path, namespace: 'sup-lazy-deps' }))
    build.onResolve({ filter: /^\.\/lazy-deps\.cjs$/, namespace: 'sup-lazy-deps' }, () => ({ path: './lazy-deps.cjs', external: true }))
    build.onLoad({ filter: /.*/, namespace: 'sup-lazy-deps' }, (a) => ({
      loader: 'js',
      contents: `module.exports = require('./lazy-deps.cjs').${LAZY_DEPS[a.path] ?? ''}`
    }))
  }
}

/** light-my-request is fastify's dependency, not the daemon's: found where fastify finds it. */
const fromFastify = {
  name: 'light-my-request-from-fastify',
  setup (build: { onResolve: (o: { filter: RegExp }, f: () => unknown) => void }) {
    const fastifyDir = dirname(createRequire(import.meta.url).resolve('fastify'))
    build.onResolve({ filter: /^light-my-request$/ }, () => ({ path: createRequire(`${fastifyDir}/`).resolve('light-my-request') }))
  }
}

export default defineConfig([
  {
    ...shared,
    entry: { main: 'src/main.ts' },
    format: ['esm'],
    esbuildPlugins: [noHttp2, noHttps, httpByRequire, lazyDeps],
    // else tsup strips `node:` and marks those imports external itself, before the stubs see node:http2 and node:https
    removeNodeProtocol: false,
    splitting: true,
    // CommonJS dependencies (fastify's, pino's) call require(): give the ESM bundle one.
    banner: { js: "import { createRequire as __supCreateRequire } from 'node:module'; const require = __supCreateRequire(import.meta.url);" },
    clean: false // the bundle script empties bundle/ first: two builds write into it
  },
  {
    // bundle/lazy-deps.cjs (see lazyDeps above): CommonJS, so that the daemon's synchronous require() can load it.
    // bundle/compile-cache.cjs: what bin/sup.js requires first, to turn the compile cache on for the CLI (the daemon uses none).
    ...shared,
    entry: { 'lazy-deps': 'src/lazy-deps.cjs', 'compile-cache': 'src/adapters/compile-cache.ts' },
    esbuildPlugins: [fromFastify],
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    splitting: false,
    clean: false
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
