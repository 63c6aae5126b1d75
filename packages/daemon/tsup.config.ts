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

export default defineConfig([
  {
    ...shared,
    entry: { main: 'src/main.ts' },
    format: ['esm'],
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
