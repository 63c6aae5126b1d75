// What `--watch` ignores: dependencies, VCS data, sup's own dirs, and the operator's --watch-ignore patterns.
import { describe, expect, it } from 'vitest'
import { ignoreMatcher } from '../../../src/adapters/chokidar-watcher.ts'

describe('ignoreMatcher', () => {
  const m = ignoreMatcher(['*.tmp', 'cache/**', 'secret'], ['/home/u/.sup/logs'])
  it.each([
    ['/srv/app/node_modules/x/index.js', true],
    ['/srv/app/node_modules', true],
    ['/srv/app/.git/HEAD', true],
    ['/home/u/.sup/logs/app-0.log', true],
    ['/srv/app/build.tmp', true],
    ['/srv/app/cache/a/b.js', true],
    ['/srv/app/secret.json', true],
    ['/srv/app/server.js', false],
    // what an app writes as it runs: with --watch, each write would reload it, and the new worker writes again
    ['/srv/app/app.log', true],
    ['/srv/app/data/store.sqlite', true],
    ['/srv/app/data/store.sqlite-wal', true],
    ['/srv/app/data/app.db-journal', true],
    ['/srv/app/app.pid', true],
    ['/srv/app/blog/catalog.js', false],
    ['/srv/app/changelog.md', false],
    ['/srv/app/lib/node_modules_helper.js', false],
    ['/srv/app/src/git.js', false]
  ])('%s -> %s', (path, ignored) => {
    expect(m(path)).toBe(ignored)
  })
})
