import { cpSync } from 'node:fs'
import { defineConfig } from 'tsup'

// The CLI as an ESM bundle: fast start, nothing loaded that `sup list` does not need. The daemon's bundle (built
// first: the daemon is a dependency) is copied into bundle/daemon/, so the packed CLI carries the daemon and sup-logd.
export default defineConfig({
  entry: { bin: 'src/bin.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  bundle: true,
  // js-yaml: only `sup start apps.yaml` imports it (dynamically): a chunk of its own
  noExternal: ['@sup/client', '@sup/protocol', 'commander', 'picocolors', 'js-yaml'],
  external: ['@sup/daemon'],
  // commander is CommonJS: give the ESM bundle a `require`.
  banner: { js: "import { createRequire as __supCreateRequire } from 'node:module'; const require = __supCreateRequire(import.meta.url);" },
  esbuildOptions (o) { o.conditions = ['@sup/source'] },
  outDir: 'bundle',
  clean: true,
  sourcemap: false,
  // Split: what only `sup deploy` needs (tar, ignore: the client's pack-dir, imported dynamically) is a chunk of
  // its own, read from disk by `sup deploy` alone; `sup list` parses commander and its own code.
  splitting: true,
  onSuccess: async () => { cpSync('../daemon/bundle', 'bundle/daemon', { recursive: true }) }
})
