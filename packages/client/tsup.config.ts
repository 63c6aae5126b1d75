import { defineConfig, type Options } from 'tsup'

// What the packed @sup/client ships: lib/esm (import) and lib/cjs (require), each with its declarations. @sup/protocol
// is used for types (and one constant, MAX_SOCKET_PATH_BYTES, bundled in): scripts/client-types.mjs (run after this)
// writes them out as plain TypeScript, so the client installs alone.
const common: Options = {
  entry: { index: 'src/index.ts', 'pack-dir': 'src/pack-dir.ts' },
  platform: 'node',
  target: 'node20',
  bundle: true,
  external: ['ignore', 'tar'],
  esbuildOptions (o) { o.conditions = ['@sup/source'] },
  sourcemap: false,
  dts: false
}

export default defineConfig([
  { ...common, format: ['esm'], outDir: 'lib/esm', clean: true, splitting: true },
  {
    ...common,
    format: ['cjs'],
    outDir: 'lib/cjs',
    clean: true,
    outExtension: () => ({ js: '.js' })
  }
])
