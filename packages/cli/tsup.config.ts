import { cpSync } from 'node:fs'
import { defineConfig } from 'tsup'

const shared = {
  platform: 'node' as const,
  target: 'node20',
  bundle: true,
  noExternal: ['@sup/client', '@sup/protocol', 'commander', 'picocolors', 'js-yaml'],
  external: ['@sup/daemon'],
  esbuildOptions (o: { conditions?: string[] }) { o.conditions = ['@sup/source'] },
  outDir: 'bundle',
  clean: false, // `pnpm bundle` empties bundle/ first: the two builds below run side by side
  sourcemap: false
}

export default defineConfig([
  // The whole CLI as an ESM bundle. The daemon's bundle (built first: the daemon is a dependency) is copied into
  // bundle/daemon/, so the packed CLI carries the daemon and sup-logd.
  {
    ...shared,
    // pack-dir (tar, ignore: what only `sup deploy` needs, imported dynamically) is an entry of its own, so its file
    // has a fixed name, bundle/pack-dir.js, that list.cjs below can point at.
    entry: { bin: 'src/bin.ts', 'pack-dir': '../client/src/pack-dir.ts' },
    format: ['esm'],
    // commander is CommonJS: give the ESM bundle a `require`.
    banner: { js: "import { createRequire as __supCreateRequire } from 'node:module'; const require = __supCreateRequire(import.meta.url);" },
    // Split: what only `sup deploy` (pack-dir) and `sup start apps.yaml` (js-yaml) need, both imported dynamically,
    // are files of their own, read from disk by those commands alone.
    splitting: true,
    onSuccess: async () => { cpSync('../daemon/bundle', 'bundle/daemon', { recursive: true }) }
  },
  // `sup list`'s short path (bin/sup.js): CommonJS files, so node starts no ESM loader (~7 ms). plain-list.cjs is
  // the check bin/sup.js makes for every command line; list.cjs the list action; list-json.cjs `sup list --json`'s
  // one exchange, which bin/sup.js loads alone (it falls back to list.cjs). The client's dynamic import of
  // pack-dir stays an import() of the ESM bundle's pack-dir.js: inlined, its 180 KB cost list.cjs ~7 ms to compile.
  {
    ...shared,
    esbuildPlugins: [{
      name: 'pack-dir-from-esm-bundle',
      setup (build) { build.onResolve({ filter: /\/pack-dir\.ts$/ }, () => ({ path: './pack-dir.js', external: true })) }
    }],
    entry: { 'plain-list': 'src/plain-list.ts', list: 'src/plain-list-run.ts', 'list-json': 'src/list-json.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    shims: true // import.meta.url (the daemon launcher finds bundle/daemon/ from it)
  }
])
