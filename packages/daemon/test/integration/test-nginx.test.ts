// The test nginx itself: a flaky 502 "right after reloaded()" came from startNginx returning before its worker existed.
import { describe, expect, it, onTestFinished } from 'vitest'
import { requireNginx, startNginx, tmpDir } from '@sup/test-support'

const HAS_NGINX = requireNginx()

describe.runIf(HAS_NGINX)('startNginx', () => {
  // nginx writes its pid file before it forks the workers: a `workerPids()` taken then was empty (2 of 10 starts on a
  // busy machine), and `reloaded([])` returned while the first worker still served the `down` placeholder (a 502)
  it('returns once a worker accepts, so a workerPids() taken right after is never empty', async () => {
    for (let i = 0; i < 10; i++) {
      const home = tmpDir('sup-tngx-')
      const nginx = await startNginx({ dir: `${home}/prefix`, includeGlob: `${home}/nginx/*.conf`, app: 'x' })
      onTestFinished(() => nginx.stop())
      expect(nginx.workerPids()).toHaveLength(1)
      await nginx.stop()
    }
  })

  it('reloaded() refuses an empty `before` instead of returning at once', async () => {
    const home = tmpDir('sup-tngx-')
    const nginx = await startNginx({ dir: `${home}/prefix`, includeGlob: `${home}/nginx/*.conf`, app: 'x' })
    onTestFinished(() => nginx.stop())
    await expect(nginx.reloaded([])).rejects.toThrow(/`before` is empty/)
  })
})
