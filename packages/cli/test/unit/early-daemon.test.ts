// `sup start` with no daemon: bin/sup.js spawns the daemon before the program loads, and the program's ensureDaemon
// polls that daemon instead of spawning a second one (early-daemon.ts).
import { SupClientError, type HealthView, type SupClient } from '@sup/client'
import type { ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensureDaemon } from '../../src/daemon-launcher.ts'
import { spawnEarlyDaemon, takeEarlyDaemon, wantsEarlyDaemon } from '../../src/early-daemon.ts'

const HEALTH: HealthView = { ok: true, pid: 1, version: '0.1.0', home: '/h' }
const unreachable = (): SupClientError => new SupClientError('SUP_ERR_DAEMON_UNREACHABLE', 'no daemon')
const env = { SUP_HOME: '/h', SUP_DAEMON_ENTRY: '/opt/sup/main.js' }
const noHolder = async (): Promise<number | undefined> => undefined

function fakeClient (answers: (HealthView | Error)[]): SupClient {
  let calls = 0
  return {
    home: '/h',
    health: async () => {
      const a = answers[Math.min(calls++, answers.length - 1)]
      if (a instanceof Error) throw a
      return a
    }
  } as unknown as SupClient
}

function fakeSpawner (): { spawn: (entry: string) => ChildProcess; spawned: EventEmitter[] } {
  const spawned: EventEmitter[] = []
  return { spawned, spawn: () => { const c = new EventEmitter(); spawned.push(c); return c as unknown as ChildProcess } }
}

describe('wantsEarlyDaemon', () => {
  const none = (): boolean => false
  const noDaemon = (): boolean => false
  it.each([
    [['start', 'app.js', '-n', '4']],
    [['start', 'app.js', '--', '--help']] // the app's own argument
  ])('spawns early for %j when no socket exists', (args) => {
    expect(wantsEarlyDaemon(args, '/h', none, noDaemon)).toBe(true)
  })

  it.each([
    [['start', '--help']],
    [['start', 'app.js', '-h']],
    [['list']],
    [['stop', 'api']],
    [['kill']],
    [[]]
  ])('does not for %j', (args) => {
    expect(wantsEarlyDaemon(args, '/h', none, noDaemon)).toBe(false)
  })

  it('does not for a home whose socket path is too long to be one (the client says so, with no daemon)', () => {
    const home = `/${'h'.repeat(107 - '/'.length - '/sup.sock'.length)}`
    expect(wantsEarlyDaemon(['start', 'app.js'], home, none, noDaemon)).toBe(true)
    expect(wantsEarlyDaemon(['start', 'app.js'], `${home}h`, none, noDaemon)).toBe(false)
  })

  it('does not when the home has a socket (a daemon runs, or ensureDaemon must find out why not)', () => {
    expect(wantsEarlyDaemon(['start', 'app.js'], '/h', (p) => p === '/h/sup.sock', noDaemon)).toBe(false)
  })

  it('does not while a live process holds sup.pid (a daemon starting, its socket not made yet)', () => {
    expect(wantsEarlyDaemon(['start', 'app.js'], '/h', none, (home) => home === '/h')).toBe(false)
  })

  it('reads sup.pid: this live process counts, a pid that is gone does not', () => {
    const home = mkdtempSync(join(tmpdir(), 'sup-early-'))
    try {
      writeFileSync(join(home, 'sup.pid'), `${process.pid}\n`)
      expect(wantsEarlyDaemon(['start', 'app.js'], home)).toBe(false)
      writeFileSync(join(home, 'sup.pid'), '999999999\n')
      expect(wantsEarlyDaemon(['start', 'app.js'], home)).toBe(true)
    } finally { rmSync(home, { recursive: true, force: true }) }
  })
})

describe('the early daemon and ensureDaemon', () => {
  it('ensureDaemon polls the daemon spawned early and spawns no second one', async () => {
    const early = fakeSpawner()
    spawnEarlyDaemon(['start', '/nonexistent/app.js'], env, early.spawn)
    expect(early.spawned).toHaveLength(1)
    const later = fakeSpawner()
    const health = ensureDaemon(fakeClient([unreachable(), unreachable(), HEALTH]), { env, spawnDaemon: later.spawn, lockHolder: noHolder, pollMs: 1 })
    await expect(health).resolves.toEqual(HEALTH)
    expect(later.spawned).toHaveLength(0)
    expect(takeEarlyDaemon('/h')).toBeUndefined() // taken once
  })

  it('an early daemon that exited before ensureDaemon ran is replaced at once', async () => {
    const early = fakeSpawner()
    spawnEarlyDaemon(['start', 'app.js'], env, early.spawn)
    early.spawned[0]?.emit('exit', 1, null)
    const later = fakeSpawner()
    const answers: (HealthView | Error)[] = [unreachable()]
    const health = ensureDaemon(fakeClient(answers), { env, spawnDaemon: later.spawn, lockHolder: noHolder, pollMs: 1, timeoutMs: 2000 })
    await expect.poll(() => later.spawned.length).toBe(1)
    answers[0] = HEALTH
    await expect(health).resolves.toEqual(HEALTH)
  })

  it('is not taken for another home', () => {
    const early = fakeSpawner()
    spawnEarlyDaemon(['start', 'app.js'], env, early.spawn)
    expect(takeEarlyDaemon('/other')).toBeUndefined()
    expect(takeEarlyDaemon('/h')).toBeDefined()
  })
})
