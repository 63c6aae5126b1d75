// `pnpm set-version 0.3.0`: writes sup's one version everywhere it is spelled: packages/protocol/src/version.ts
// (SUP_VERSION, what the code reports) and every package.json. packages/cli/test/unit/version.test.ts checks they agree.
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const ROOT = resolve(new URL('..', import.meta.url).pathname)
export const VERSIONED = ['package.json', 'packages/protocol/package.json', 'packages/daemon/package.json', 'packages/client/package.json', 'packages/cli/package.json', 'test/support/package.json']
const version = process.argv[2] ?? ''
if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  process.stderr.write('usage: pnpm set-version <major.minor.patch>\n')
  process.exit(2)
}
const source = join(ROOT, 'packages/protocol/src/version.ts')
writeFileSync(source, readFileSync(source, 'utf8').replace(/SUP_VERSION = '[^']*'/, `SUP_VERSION = '${version}'`))
for (const file of VERSIONED) {
  const path = join(ROOT, file)
  writeFileSync(path, readFileSync(path, 'utf8').replace(/"version": "[^"]*"/, `"version": "${version}"`))
}
process.stdout.write(`sup ${version}: ${['packages/protocol/src/version.ts', ...VERSIONED].join(', ')}\n`)
