// tmpDir(): a fresh temp directory (short path: unix sockets live in it), removed after the test.
import { mkdtempSync, rmSync } from 'node:fs'
import { onTestFinished } from 'vitest'

export function tmpDir (prefix = 'sup-'): string {
  const dir = mkdtempSync(`/tmp/${prefix}`)
  onTestFinished(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}
