// sup-logd's lock file: taken whole or not at all, held while its holder (pid + starttime) lives, stale otherwise,
// removed only by its holder or by the daemon's clearStaleLogdLock; one winner among racing processes.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { waitFor } from '@sup/test-support'
import { acquireLogdLock, clearStaleLogdLock, logdLockHolder, type LogdLockPaths } from '../../src/adapters/logd-lock.ts'
import { fixture, FIXTURES, statField, tempDir } from './adapter-support.ts'

function lockIn (dir: string): LogdLockPaths {
  return { lockPath: `${dir}/logd.lock`, pidPath: `${dir}/logd.pid` }
}

/** `node -e <forever> ...args`, SIGKILLed when the test ends. */
function forever (args: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args], { stdio: 'ignore' })
  onFinish(child)
  return child
}

function onFinish (child: ChildProcess): void {
  onTestFinished(() => { child.kill('SIGKILL') })
}

/** The lock line of a process that has just died (SIGKILLed and reaped): what a crashed sup-logd leaves. */
async function deadHolderLine (): Promise<string> {
  const child = forever()
  const pid = child.pid ?? 0
  const start = await waitFor(() => statField(pid, 22), { what: 'its /proc/<pid>/stat' })
  child.kill('SIGKILL')
  await once(child, 'exit')
  return `${pid} ${start}\n`
}

describe('sup-logd lock file', () => {
  it('takes a free lock whole (`<pid> <starttime>`, 0600, no temp file left); a second attempt finds it held; release removes it', () => {
    const dir = tempDir()
    const paths = lockIn(dir)
    const attempt = acquireLogdLock(paths)
    expect(attempt.status).toBe('acquired')
    expect(readFileSync(paths.lockPath, 'latin1')).toBe(`${process.pid} ${statField(process.pid, 22)}\n`)
    expect(statSync(paths.lockPath).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir)).toEqual(['logd.lock'])
    expect(logdLockHolder(paths)).toBe(process.pid)
    expect(acquireLogdLock(paths)).toEqual({ status: 'held', pid: process.pid })
    expect(clearStaleLogdLock(paths)).toBe(false) // a live holder's file is never cleared
    if (attempt.status === 'acquired') attempt.lock.release()
    expect(existsSync(paths.lockPath)).toBe(false)
    expect(logdLockHolder(paths)).toBeNull()
  })

  it('a dead holder leaves a stale lock: an attempt says so and leaves it; only clearStaleLogdLock removes it', async () => {
    const paths = lockIn(tempDir())
    const line = await deadHolderLine()
    writeFileSync(paths.lockPath, line)
    expect(logdLockHolder(paths)).toBeNull()
    expect(acquireLogdLock(paths)).toEqual({ status: 'stale' })
    expect(readFileSync(paths.lockPath, 'latin1')).toBe(line)
    expect(clearStaleLogdLock(paths)).toBe(true)
    expect(existsSync(paths.lockPath)).toBe(false)
    expect(acquireLogdLock(paths).status).toBe('acquired')
  })

  it('a live pid with another starttime (the pid was reused) is stale', () => {
    const paths = lockIn(tempDir())
    const start = Number(statField(process.pid, 22))
    writeFileSync(paths.lockPath, `${process.pid} ${start + 1}\n`)
    expect(logdLockHolder(paths)).toBeNull()
    expect(acquireLogdLock(paths)).toEqual({ status: 'stale' })
    expect(clearStaleLogdLock(paths)).toBe(true)
  })

  const SQLITE_HEADER = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(84, 1)])
  it.each([
    ['empty', Buffer.alloc(0)],
    ['garbage', Buffer.from('not a lock\n')],
    ['an SQLite file (the lock before this one)', SQLITE_HEADER],
    ['a pid alone', Buffer.from(`${process.pid}\n`)],
    ['a valid line and more', Buffer.from(`${process.pid} ${statField(process.pid, 22)}\nmore\n`)]
  ])('unparsable content is stale: %s', (_what, content) => {
    const paths = lockIn(tempDir())
    writeFileSync(paths.lockPath, content)
    expect(acquireLogdLock(paths)).toEqual({ status: 'stale' })
    expect(clearStaleLogdLock(paths)).toBe(true)
    expect(existsSync(paths.lockPath)).toBe(false)
  })

  it('upgrade rule: an unparsable lock with logd.pid naming a live logd-main process is held (an older sup-logd runs)', async () => {
    const paths = lockIn(tempDir())
    writeFileSync(paths.lockPath, SQLITE_HEADER)
    writeFileSync(paths.pidPath, `${process.pid}\n`) // alive, but not a sup-logd
    expect(logdLockHolder(paths)).toBeNull()
    const old = forever(['/opt/sup/daemon/logd-main.js'])
    await waitFor(() => statField(old.pid ?? 0, 22), { what: 'the old sup-logd' })
    writeFileSync(paths.pidPath, `${old.pid}\n`)
    expect(logdLockHolder(paths)).toBe(old.pid)
    expect(acquireLogdLock(paths)).toEqual({ status: 'held', pid: old.pid })
    expect(clearStaleLogdLock(paths)).toBe(false)
    old.kill('SIGKILL')
    await once(old, 'exit')
    expect(clearStaleLogdLock(paths)).toBe(true)
  })

  it('release removes the file only while it names this process', () => {
    const paths = lockIn(tempDir())
    const attempt = acquireLogdLock(paths)
    if (attempt.status !== 'acquired') throw new Error(attempt.status)
    const other = `${process.pid} ${Number(statField(process.pid, 22)) + 1}\n` // same pid, another process's starttime
    writeFileSync(paths.lockPath, other) // as if the daemon had cleared ours and another sup-logd had taken it
    attempt.lock.release()
    expect(readFileSync(paths.lockPath, 'latin1')).toBe(other)
  })

  it('four processes racing for a free lock, three rounds: each time exactly one takes it, the others find it held', async () => {
    for (let round = 0; round < 3; round++) { // a round catches a check-then-write bug about half the time on 2 cores
      const dir = tempDir()
      const { results, winner } = await race(dir, 4)
      expect(results, `round ${round}`).toEqual(['acquired', 'held', 'held', 'held'])
      expect(logdLockHolder(lockIn(dir))).toBe(winner)
      expect(readdirSync(dir).sort()).toEqual(['logd.lock', 'starts']) // every temp file removed
    }
  })
})

/** n stand-in sup-logds that try for the lock in `dir` at the same instant; their answers (sorted) and the winner's pid. */
async function race (dir: string, n: number): Promise<{ results: string[]; winner: number | undefined }> {
  const racers = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture('logd-lock-holder.js')], {
      cwd: FIXTURES, env: { ...process.env, SUP_HOME: dir, LOCK_ON_SIGNAL: '1' }, stdio: ['ignore', 'pipe', 'inherit']
    })
    onFinish(child)
    let out = ''
    child.stdout?.setEncoding('utf8').on('data', (c: string) => { out += c })
    return { child, out: () => out }
  })
  await waitFor(() => racers.every((r) => r.out() === 'ready\n'), { what: 'every racer to be ready' })
  for (const r of racers) r.child.kill('SIGUSR1') // each then spins to the same 100 ms boundary
  await waitFor(() => racers.every((r) => r.out().split('\n').length === 3), { what: 'every racer to try' })
  const results = racers.map((r) => r.out().split('\n')[1] ?? '').sort()
  return { results, winner: racers.find((r) => r.out().includes('acquired'))?.child.pid }
}
