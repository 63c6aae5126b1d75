import { defineConfig } from 'tsup'

// One ESM file for the CLI: fast start, nothing loaded that `sup list` does not need.
export default defineConfig({
  entry: { bin: 'src/bin.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  bundle: true,
  noExternal: ['@sup/client', '@sup/protocol', 'commander', 'picocolors'],
  external: ['@sup/daemon'],
  // commander is CommonJS: give the ESM bundle a `require`.
  banner: { js: "import { createRequire as __supCreateRequire } from 'node:module'; const require = __supCreateRequire(import.meta.url);" },
  esbuildOptions (o) { o.conditions = ['@sup/source'] },
  outDir: 'bundle',
  clean: true,
  sourcemap: false,
  splitting: false
})
