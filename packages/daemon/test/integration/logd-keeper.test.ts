// The daemon's keeper of sup-logd, on a stand-in that takes the real lock: it clears a dead holder's lock before a start,
// starts one sup-logd however many ensure() calls overlap, restarts a SIGKILLed one, and stop() waits for its end.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { waitFor } from '@sup/test-support'
import { createLogdKeeper, type LogdKeeper } from '../../src/adapters/logd-keeper.ts'
import { logdLockHolder, type LogdLockPaths } from '../../src/adapters/logd-lock.ts'
import { fixture, statField, tempDir } from './adapter-support.ts'

function paths (dir: string): LogdLockPaths {
  return { lockPath: `${dir}/logd.lock`, pidPath: `${dir}/logd.pid` }
}

/** Pids the stand-in noted at each start. */
function starts (dir: string): number[] {
  try { return readFileSync(`${dir}/starts`, 'utf8').split('\n').filter(Boolean).map(Number) } catch { return [] }
}

/** A keeper of the stand-in sup-logd in `dir`, which takes its lock lockDelayMs after it starts; everything it started is killed at the end. */
function keeperIn (dir: string, lockDelayMs: number): LogdKeeper {
  onTestFinished(() => { for (const pid of starts(dir)) { try { process.kill(pid, 'SIGKILL') } catch { /* gone */ } } })
  return createLogdKeeper({
    entry: fixture('logd-lock-holder.js'),
    execArgv: ['--import', 'tsx'],
    env: { SUP_HOME: dir, LOCK_DELAY_MS: String(lockDelayMs) },
    ...paths(dir)
  })
}

/** Starts the stand-in, watches it every intervalMs and SIGKILLs it; returns once another holds the lock and onRestart ran. */
async function killedAndRestarted (intervalMs: number): Promise<{ dir: string; keeper: LogdKeeper; first: number; second: number }> {
  const dir = tempDir()
  const keeper = keeperIn(dir, 0)
  expect(await keeper.ensure()).toBe(true)
  const first = starts(dir)[0] ?? 0
  let restarts = 0
  onTestFinished(keeper.watch(intervalMs, () => { restarts++ }))
  process.kill(first, 'SIGKILL')
  const second = await waitFor(() => { const p = logdLockHolder(paths(dir)); return p !== null && p !== first ? p : null }, { timeoutMs: 5_000, what: 'a new holder' })
  expect(starts(dir)).toEqual([first, second])
  await waitFor(() => restarts === 1, { what: 'onRestart' })
  return { dir, keeper, first, second }
}

describe('sup-logd keeper', () => {
  it('ensure() clears a dead holder\'s lock, starts one sup-logd for two overlapping calls, and stop() waits for its end', async () => {
    const dir = tempDir()
    const dead = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    const start = await waitFor(() => statField(dead.pid ?? 0, 22), { what: 'its /proc/<pid>/stat' })
    dead.kill('SIGKILL')
    await once(dead, 'exit')
    writeFileSync(`${dir}/logd.lock`, `${dead.pid} ${start}\n`) // what a SIGKILLed sup-logd leaves

    const keeper = keeperIn(dir, 500) // a slow start: the second call comes while the first still waits
    const first = keeper.ensure()
    await waitFor(() => starts(dir).length === 1, { what: 'the first start' })
    expect(await Promise.all([first, keeper.ensure()])).toEqual([true, true])
    expect(starts(dir)).toHaveLength(1)
    const pid = starts(dir)[0]
    expect(logdLockHolder(paths(dir))).toBe(pid)
    expect(await keeper.ensure()).toBe(true) // it runs: nothing started
    expect(starts(dir)).toHaveLength(1)

    await keeper.stop(2_000)
    expect(logdLockHolder(paths(dir))).toBeNull()
    expect(existsSync(`${dir}/logd.lock`)).toBe(false) // it released its lock on SIGTERM
  })

  it('starts sup-logd with the environment it is given and glibc malloc set to give back the buffers of a log burst', async () => {
    const dir = tempDir()
    const keeper = keeperIn(dir, 0)
    expect(await keeper.ensure()).toBe(true)
    const environ = readFileSync(`/proc/${starts(dir)[0] ?? 0}/environ`, 'utf8').split('\0')
    // a fixed mmap threshold at sup-logd's 64 KiB read buffers (else glibc serves them from its heap and keeps what they freed)
    expect(environ).toEqual(expect.arrayContaining([`SUP_HOME=${dir}`, 'LOCK_DELAY_MS=0', 'MALLOC_MMAP_THRESHOLD_=65536', 'MALLOC_TRIM_THRESHOLD_=131072']))
    await keeper.stop(2_000)
  })

  it('watch(): a SIGKILLed sup-logd leaves a stale lock; the keeper clears it and starts another', async () => {
    const { dir, keeper } = await killedAndRestarted(100)
    await keeper.stop(2_000)
    expect(logdLockHolder(paths(dir))).toBeNull()
  })

  it('watch(): the sup-logd it started is restarted on its exit, at once, with no check to wait for', async () => {
    const { dir, keeper, first, second } = await killedAndRestarted(600_000) // a check every 10 minutes: only the exit can tell in time
    await keeper.stop(2_000)
    expect(logdLockHolder(paths(dir))).toBeNull()
    expect(starts(dir)).toEqual([first, second]) // a stop is not a loss: nothing started after it
  })

  it('watch(): a sup-logd adopted from an earlier daemon (not its child) is checked and restarted; restarts are an interval apart', async () => {
    const dir = tempDir()
    const earlier = keeperIn(dir, 0)
    expect(await earlier.ensure()).toBe(true)
    const keeper = keeperIn(dir, 0)
    expect(await keeper.ensure()).toBe(true) // adopted: nothing started
    expect(starts(dir)).toHaveLength(1)
    const restartedAt: number[] = []
    const cancel = keeper.watch(700, () => { restartedAt.push(performance.now()) })
    onTestFinished(cancel)
    process.kill(starts(dir)[0] ?? 0, 'SIGKILL')
    await waitFor(() => restartedAt.length === 1, { what: 'the adopted one restarted' })
    // now its own child: killed again at once, it comes back no sooner than the interval after the last restart
    process.kill(starts(dir)[1] ?? 0, 'SIGKILL')
    await waitFor(() => restartedAt.length === 2, { what: 'the second restart' })
    // each time is taken when a restart is done: the next one begins at least the interval after it (CI, Node 24: 611 ms
    // between them when the interval was counted from the beginning of a restart that took ~90 ms)
    expect((restartedAt[1] ?? 0) - (restartedAt[0] ?? Infinity)).toBeGreaterThanOrEqual(700)
    expect(starts(dir)).toHaveLength(3)
    await keeper.stop(2_000)
  })
})
