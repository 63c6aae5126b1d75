// Which release a path belongs to (a worker's cwd or script, an app's saved cwd).
import { describe, expect, it } from 'vitest'
import { releaseOf } from '../../../src/deploy/converge.ts'

describe('releaseOf', () => {
  const root = '/home/sup/apps'
  it('reads user and id from a release dir or a file inside it', () => {
    expect(releaseOf(root, 'web', '/home/sup/apps/alice/web/releases/20261123T220501123Z-3f9a1c')).toEqual({ user: 'alice', id: '20261123T220501123Z-3f9a1c' })
    expect(releaseOf(root, 'web', '/home/sup/apps/alice/web/releases/r1/lib/server.js')).toEqual({ user: 'alice', id: 'r1' })
  })
  it('is null outside the apps tree, for another app, for `current` and for the releases dir itself', () => {
    expect(releaseOf(root, 'web', '/srv/web/releases/r1')).toBeNull()
    expect(releaseOf(root, 'web', '/home/sup/apps/alice/api/releases/r1')).toBeNull()
    expect(releaseOf(root, 'web', '/home/sup/apps/alice/web/current')).toBeNull()
    expect(releaseOf(root, 'web', '/home/sup/apps/alice/web/releases')).toBeNull()
    expect(releaseOf(root, 'web', '/home/sup/appsx/alice/web/releases/r1')).toBeNull()
  })
})
