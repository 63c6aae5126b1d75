// One version: every package.json carries SUP_VERSION (what `sup --version` and /healthz report); `pnpm set-version` writes them.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SUP_VERSION } from '@sup/protocol'

const ROOT = new URL('../../../../', import.meta.url)
const FILES = ['package.json', 'packages/protocol/package.json', 'packages/daemon/package.json', 'packages/client/package.json', 'packages/cli/package.json', 'test/support/package.json']

describe('version', () => {
  it.each(FILES)('%s carries SUP_VERSION', (file) => {
    const pkg = JSON.parse(readFileSync(new URL(file, ROOT), 'utf8')) as { version: string }
    expect(pkg.version).toBe(SUP_VERSION)
  })
})
