// Extraction memory is flat in the entry count: an archive of many small files holds no more of the daemon's heap
// at its end than at its start (tar's own path reservations kept ~400 B of heap, ~0.9 KB of RSS, per entry until the end).
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createGzip } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { tarEntry, TAR_END } from '@sup/test-support'
import { tempDir } from '../adapter-support.ts'
import { extractArchive } from '../../../src/deploy/extractor.ts'
import { DEFAULT_DEPLOY_LIMITS } from '../../../src/deploy/limits.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Heap in use after a full collection (bytes). */
function heapAfterGc (): number {
  gc()
  return process.memoryUsage().heapUsed
}

/** `n` empty files in 100 directories, gzip'd, as a stream (never whole in memory). */
function manyFiles (n: number): Readable {
  function * entries (): Generator<Buffer> {
    for (let d = 0; d < 100; d++) yield tarEntry({ name: `d${d}/`, type: '5' })
    for (let i = 0; i < n; i++) yield tarEntry({ name: `d${i % 100}/file-with-a-longish-name-${i}.js` })
    yield TAR_END
  }
  return Readable.from(entries()).pipe(createGzip({ level: 1 }))
}

/** Extracts `n` files while a timer samples the collected heap; the growth over the heap before, at its highest. */
async function peakGrowth (n: number): Promise<number> {
  const dir = join(tempDir(), 'release')
  mkdirSync(dir)
  const before = heapAfterGc()
  let peak = before
  const sampler = setInterval(() => { peak = Math.max(peak, heapAfterGc()) }, 100)
  try {
    const r = await extractArchive(manyFiles(n), dir, { ...DEFAULT_DEPLOY_LIMITS, maxEntries: n + 100 })
    expect(r.files).toBe(n + 100)
  } finally {
    clearInterval(sampler)
  }
  peak = Math.max(peak, heapAfterGc())
  expect(readdirSync(join(dir, 'd7')).length).toBe(n / 100)
  return peak - before
}

describe('extraction memory', () => {
  it('4,000 and 24,000 files peak within a few MB of each other (tar kept ~400 B of heap per file)', async () => {
    await peakGrowth(500) // warm-up: tar loaded, code compiled
    const small = await peakGrowth(4_000)
    const large = await peakGrowth(24_000)
    const perEntry = (large - small) / 20_000
    process.stdout.write(`extraction heap growth: 4,000 files ${(small / 2 ** 20).toFixed(1)} MiB, 24,000 files ${(large / 2 ** 20).toFixed(1)} MiB (${perEntry.toFixed(0)} B per extra file)\n`)
    expect(perEntry).toBeLessThan(150)
  }, 120_000)
})
