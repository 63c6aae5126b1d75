// ensureDaemon: starts a daemon only when none answers, polls until one does, and fails clearly when none ever does.
import { SupClientError, type HealthView, type SupClient } from '@sup/client'
import type { ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ensureDaemon, homeProblem } from '../../src/daemon-launcher.ts'
import { scriptedClient } from './scripted-client.ts'

const HEALTH: HealthView = { ok: true, pid: 1, version: '0.1.0', home: '/h' }
const unreachable = (): SupClientError => new SupClientError('SUP_ERR_DAEMON_UNREACHABLE', 'no daemon')

/** A client whose health() plays a script of answers, then the last one forever. */
const fakeClient = (answers: (HealthView | Error)[]): SupClient & { calls: number } => scriptedClient('health', answers)

function fakeSpawner (): { spawn: (entry: string) => ChildProcess; spawned: (EventEmitter & { entry: string })[] } {
  const spawned: (EventEmitter & { entry: string })[] = []
  return {
    spawned,
    spawn: (entry) => {
      const child = Object.assign(new EventEmitter(), { entry })
      spawned.push(child)
      return child as unknown as ChildProcess
    }
  }
}

const env = { SUP_DAEMON_ENTRY: '/opt/sup/main.js' }
const noHolder = async (): Promise<number | undefined> => undefined

describe('ensureDaemon', () => {
  it('does not spawn when a daemon answers', async () => {
    const s = fakeSpawner()
    await expect(ensureDaemon(fakeClient([HEALTH]), { env, spawnDaemon: s.spawn })).resolves.toEqual(HEALTH)
    expect(s.spawned).toHaveLength(0)
  })

  it('spawns once and polls until the daemon answers', async () => {
    const s = fakeSpawner()
    const client = fakeClient([unreachable(), unreachable(), unreachable(), HEALTH])
    await expect(ensureDaemon(client, { env, spawnDaemon: s.spawn, lockHolder: noHolder, pollMs: 1 })).resolves.toEqual(HEALTH)
    expect(s.spawned.map((c) => c.entry)).toEqual(['/opt/sup/main.js'])
    expect(client.calls).toBe(4)
  })

  it('spawns again when the first one exited and still nobody answers', async () => {
    const s = fakeSpawner()
    const answers: (HealthView | Error)[] = [unreachable(), unreachable()]
    const client = fakeClient(answers)
    const done = ensureDaemon(client, { env, spawnDaemon: s.spawn, lockHolder: noHolder, pollMs: 1, timeoutMs: 2000 })
    await expect.poll(() => s.spawned.length).toBe(1)
    s.spawned[0]?.emit('exit', 1, null)
    await expect.poll(() => s.spawned.length).toBe(2)
    answers.push(HEALTH)
    answers.splice(0, answers.length - 1)
    await expect(done).resolves.toEqual(HEALTH)
  })

  it('fails with the daemon log in the hint when nobody ever answers', async () => {
    const s = fakeSpawner()
    const err = await ensureDaemon(fakeClient([unreachable()]), { env, spawnDaemon: s.spawn, lockHolder: noHolder, pollMs: 1, timeoutMs: 50 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'SUP_ERR_DAEMON_START' })
    expect((err as Error).message).toContain('did not answer within')
    expect((err as { hint: string }).hint).toBe('it wrote no /h/daemon.log: run `sup daemon` to see it start, or fail, in the foreground')
  })

  it('fails at once when every daemon it starts exits and none holds the lock', async () => {
    const s = fakeSpawner()
    const spawn = (entry: string): ChildProcess => {
      const child = s.spawn(entry)
      setTimeout(() => child.emit('exit', 3, null), 1)
      return child
    }
    const started = Date.now()
    const err = await ensureDaemon(fakeClient([unreachable()]), { env, spawnDaemon: spawn, lockHolder: noHolder, pollMs: 1, timeoutMs: 5000 }).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(2000)
    expect(s.spawned).toHaveLength(3)
    expect((err as Error).message).toBe('The sup daemon exited with code 3 before answering (last error: no daemon)')
  })

  it('waits for a live daemon holding the lock instead of spawning again', async () => {
    const s = fakeSpawner()
    const answers: (HealthView | Error)[] = [unreachable()]
    const lock: { holder?: number } = {} // none when it spawns; then one that beat ours to the lock
    const done = ensureDaemon(fakeClient(answers), { env, spawnDaemon: s.spawn, lockHolder: async () => lock.holder, pollMs: 1, timeoutMs: 2000 })
    await expect.poll(() => s.spawned.length).toBe(1)
    lock.holder = 77
    s.spawned[0]?.emit('exit', 1, null)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(s.spawned).toHaveLength(1)
    answers[0] = HEALTH
    await expect(done).resolves.toEqual(HEALTH)
  })

  it('spawns none while a live daemon holds the lock and does not listen yet (a handed start): polls it', async () => {
    // A daemon spawned beside it waits for the lock and takes the home, with this command's environment, the moment
    // that daemon exits: `sup start` then `sup daemon --restart` ended with a daemon the restart never started.
    const s = fakeSpawner()
    const client = fakeClient([unreachable(), unreachable(), unreachable(), HEALTH])
    await expect(ensureDaemon(client, { env, spawnDaemon: s.spawn, lockHolder: async () => 77, pollMs: 1 })).resolves.toEqual(HEALTH)
    expect(s.spawned).toHaveLength(0)
    expect(client.calls).toBe(4)
  })

  it('says which pid holds the lock when that daemon never answers', async () => {
    const s = fakeSpawner()
    const err = await ensureDaemon(fakeClient([unreachable()]), { env, spawnDaemon: s.spawn, lockHolder: async () => 77, pollMs: 1, timeoutMs: 50 }).catch((e: unknown) => e)
    expect(s.spawned).toHaveLength(0)
    expect((err as Error).message).toMatch(/^A sup daemon \(pid 77\) holds \/h\/sup.pid but did not answer within 0 s/)
  })

  it('passes other errors through without spawning', async () => {
    const s = fakeSpawner()
    const boom = new SupClientError('SUP_ERR_CLIENT_CONNECTION', 'denied')
    await expect(ensureDaemon(fakeClient([boom]), { env, spawnDaemon: s.spawn })).rejects.toBe(boom)
    expect(s.spawned).toHaveLength(0)
  })
})

describe('homeProblem', () => {
  it('says why a home cannot be created or written, and nothing of a usable one', () => {
    const all = (): boolean => true
    expect(homeProblem('/etc/hostname/.sup', all)).toBe('/etc/hostname/.sup cannot be created: /etc/hostname is not a directory')
    expect(homeProblem('/nonexistent-sup-test/.sup', (d) => d !== '/')).toBe('/nonexistent-sup-test/.sup cannot be created: / is not writable by this user')
    expect(homeProblem('/tmp', (d) => d !== '/tmp')).toBe('/tmp is not a directory this user can write')
    expect(homeProblem('/tmp/sup-test-not-there/.sup', all)).toBeNull()
    expect(homeProblem('/tmp', all)).toBeNull()
  })
})
