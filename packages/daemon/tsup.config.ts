import { defineConfig } from 'tsup'

// The daemon and sup-logd as bundles: one file each to load, not hundreds of modules (start-up time is a
// feature: `sup start` with no daemon running waits for it). better-sqlite3 stays external (native addon).
export default defineConfig({
  entry: { main: 'src/main.ts', 'logd-main': 'src/logd-main.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'bundle',
  bundle: true,
  splitting: true,
  external: ['better-sqlite3'],
  noExternal: [/^(?!better-sqlite3)/],
  // CommonJS dependencies (fastify's, pino's) call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __supCreateRequire } from 'node:module'; const require = __supCreateRequire(import.meta.url);" },
  esbuildOptions (o) { o.conditions = ['@sup/source'] },
  clean: true,
  sourcemap: false
})
