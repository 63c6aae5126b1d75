// Boot reconcile of $SUP_HOME/nginx: files of apps that no longer exist go; nginx is reloaded once even if nothing changed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { tmpDir } from '@sup/test-support'
import { createNginxPublisher } from '../../src/adapters/nginx-upstream.ts'
import { renderUpstream } from '../../src/core/upstream.ts'

/** A publisher whose "reload" appends a line to a file: the test counts reloads without a real nginx. */
function setup (withReload: boolean) {
  const home = tmpDir('sup-rec-')
  const dir = `${home}/nginx`
  mkdirSync(dir, { recursive: true })
  const count = `${home}/reloads`
  const events: string[] = []
  const publisher = createNginxPublisher({
    dir,
    testCommand: null,
    reloadCommand: withReload ? ['sh', '-c', `echo reload >> '${count}'`] : null,
    debounceMs: 5,
    onEvent: (app, type) => { events.push(`${app} ${type}`) }
  })
  const reloads = (): number => existsSync(count) ? readFileSync(count, 'utf8').split('\n').filter((l) => l !== '').length : 0
  return { dir, publisher, reloads, events }
}

describe('nginx reconcile at boot', () => {
  it('removes the file of an app the daemon does not have, keeps the others, and reloads nginx once', async () => {
    const s = setup(true)
    writeFileSync(`${s.dir}/api.conf`, renderUpstream('api', [8000]))
    writeFileSync(`${s.dir}/gone.conf`, renderUpstream('gone', [8001]))
    writeFileSync(`${s.dir}/notes.txt`, 'not an upstream')
    expect(await s.publisher.reconcile?.(['api'])).toEqual(['gone'])
    expect(existsSync(`${s.dir}/gone.conf`)).toBe(false)
    expect(readFileSync(`${s.dir}/api.conf`, 'utf8')).toBe(renderUpstream('api', [8000]))
    expect(existsSync(`${s.dir}/notes.txt`)).toBe(true)
    expect(s.reloads()).toBe(1)
  })

  it('reloads nginx once when no file changed (a file written while no reload command was set gets loaded)', async () => {
    const s = setup(true)
    writeFileSync(`${s.dir}/api.conf`, renderUpstream('api', [8000]))
    expect(await s.publisher.reconcile?.(['api'])).toEqual([])
    expect(s.reloads()).toBe(1)
    expect(s.events).toContain('* nginx-reloaded')
  })

  it('without a reload command: the stale file is removed, nothing is run', async () => {
    const s = setup(false)
    writeFileSync(`${s.dir}/gone.conf`, renderUpstream('gone', [8001]))
    expect(await s.publisher.reconcile?.([])).toEqual(['gone'])
    expect(existsSync(`${s.dir}/gone.conf`)).toBe(false)
    expect(s.reloads()).toBe(0)
  })
})
