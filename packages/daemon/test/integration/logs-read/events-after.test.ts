// listEventsAfter on the real SQLite store: the FIRST `limit` events after an id (followers), also from a second connection.
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { tmpDir } from '@sup/test-support'
import { openSqliteStore } from '../../../src/adapters/sqlite-store.ts'

function open (path: string) {
  const store = openSqliteStore(path)
  onTestFinished(() => { store.close() })
  return store
}
const ev = (app: string, type: string) => ({ time: 1, app, instance: null, type, from: null, to: null, reason: type, data: null })

describe('listEventsAfter', () => {
  it('gives the first `limit` events after the id, oldest first, optionally of one app', () => {
    const store = open(join(tmpDir(), 'sup.db'))
    for (let i = 1; i <= 10; i++) store.addEvent(ev(i % 2 === 0 ? 'api' : 'web', `e${i}`))
    expect(store.listEventsAfter({ afterId: 3, limit: 3 }).map((e) => e.type)).toEqual(['e4', 'e5', 'e6'])
    expect(store.listEventsAfter({ afterId: 3, limit: 3, app: 'api' }).map((e) => e.type)).toEqual(['e4', 'e6', 'e8'])
    expect(store.listEventsAfter({ afterId: 10, limit: 3 })).toEqual([])
    expect(store.listEvents({ afterId: 3, limit: 3 }).map((e) => e.type)).toEqual(['e8', 'e9', 'e10']) // the last ones, unchanged
  })

  it('sees events another process (connection) added', () => {
    const path = join(tmpDir(), 'sup.db')
    const daemon = open(path)
    const logd = open(path)
    daemon.addEvent(ev('api', 'start'))
    logd.addEvent(ev('api', 'log-write-failed'))
    expect(daemon.listEventsAfter({ afterId: 1, limit: 100 }).map((e) => e.type)).toEqual(['log-write-failed'])
  })
})
