// The process spawner against real fixture processes: env, log file, exits, spawn errors, tree kill, IPC, daemon exit.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it, expect, vi } from 'vitest'
import { createProcessSpawner } from '../../src/adapters/process-spawner.ts'
import { adoptProcess, createLifeWatch } from '../../src/adapters/adopted-process.ts'
import { isAliveNotZombie, listMarkedPids, readStartTime } from '../../src/adapters/proc-table.ts'
import type { SpawnSpec, WorkerProcess } from '../../src/core/ports.ts'
import { FIXTURES, fixture, killOnFinish, readText, statField, tempDir, uniqueMarker } from './adapter-support.ts'

interface Started { readonly proc: WorkerProcess; readonly spec: SpawnSpec }

/** Spawns a fixture with the real spawner; everything it started is SIGKILLed when the test ends. */
function start (script: string, extra: Partial<SpawnSpec> = {}): Started {
  const dir = tempDir()
  const spec: SpawnSpec = {
    app: 'demo', instance: 0, command: process.execPath, args: [fixture(script)], cwd: dir,
    env: { PORT: '8123', SUP_APP: 'demo' }, marker: uniqueMarker(), stdoutPath: join(dir, 'logs', 'demo-0.log'), stderrPath: join(dir, 'logs', 'demo-0.log'), ipc: false, ...extra
  }
  const proc = createProcessSpawner().spawn(spec)
  killOnFinish(spec.marker, () => [proc.pid])
  return { proc, spec }
}

async function waitForLog (path: string, pattern: RegExp): Promise<string> {
  await expect.poll(() => readText(path), { timeout: 10_000, interval: 20 }).toMatch(pattern)
  return readText(path)
}

describe('process spawner', () => {
  it('gives the worker exactly its env plus SUP_MARKER, and sends stdout and stderr to the log file', async () => {
    const { proc, spec } = start('adapter-echo-env.js', { args: [fixture('adapter-echo-env.js'), '0'] })
    expect(proc.pid).toBeTypeOf('number')
    expect(await proc.exited).toEqual({ code: 0, signal: null })
    const log = readText(spec.stdoutPath)
    const { env } = JSON.parse(log.split('\n')[0] ?? '') as { env: Record<string, string> }
    expect(env).toEqual({ PORT: '8123', SUP_APP: 'demo', SUP_MARKER: spec.marker })
    expect(log).toContain('adapter-echo-env: stderr line')
  })

  it('appends to an existing log file', async () => {
    const dir = tempDir()
    const logPath = join(dir, 'app.log')
    writeFileSync(logPath, 'earlier life\n')
    const { proc } = start('adapter-echo-env.js', { stdoutPath: logPath, stderrPath: logPath })
    await proc.exited
    expect(readText(logPath)).toMatch(/^earlier life\n\{"env"/)
  })

  it('reports the exit code', async () => {
    const { proc } = start('adapter-echo-env.js', { args: [fixture('adapter-echo-env.js'), '7'] })
    expect(await proc.exited).toEqual({ code: 7, signal: null })
  })

  it('reports the signal that ended the worker', async () => {
    const { proc, spec } = start('adapter-forever.js')
    await waitForLog(spec.stdoutPath, /alive/)
    expect(() => { proc.signalTree('SIGNOPE') }).toThrow(/SIGNOPE/)
    proc.signalTree('SIGTERM')
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGTERM' })
  })

  it.each([
    // a node or interpreter uninstalled since the app started (nvm uninstall): said so, with the way out
    ['a missing executable', (_dir: string) => ({ command: '/nonexistent/sup-test-binary' }), /^cannot run \/nonexistent\/sup-test-binary: it no longer exists \(ENOENT: a node or interpreter uninstalled since the app started\? start the app again: `sup delete`, then `sup start`\)$/],
    ['a file that is not executable', (dir: string) => ({ command: join(dir, 'plain.txt') }), /EACCES/],
    ['a missing cwd', (_dir: string) => ({ cwd: '/nonexistent/sup-test-dir' }), /cwd/]
  ])('reports %s as a spawn error, without throwing', async (_label, extra, message) => {
    const dir = tempDir()
    writeFileSync(join(dir, 'plain.txt'), 'not a program\n', { mode: 0o644 })
    const { proc } = start('adapter-forever.js', extra(dir))
    expect(proc.pid).toBeUndefined()
    const exit = await proc.exited
    expect(exit).toMatchObject({ code: null, signal: null })
    expect(exit.error).toMatch(message)
    proc.signalTree('SIGTERM')
    await proc.waitTreeGone(100)
  })

  it('reports a log file it cannot open as a spawn error, without throwing', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'not-a-dir'), '')
    const { proc } = start('adapter-forever.js', { stdoutPath: join(dir, 'not-a-dir', 'app.log'), stderrPath: join(dir, 'not-a-dir', 'app.log') })
    expect(proc.pid).toBeUndefined()
    expect((await proc.exited).error).toMatch(/log file .*not-a-dir.*(EEXIST|ENOTDIR)/)
  })

  it('runs the worker in its own process group and session', async () => {
    const { proc, spec } = start('adapter-forever.js')
    await waitForLog(spec.stdoutPath, /alive/)
    expect(statField(proc.pid ?? -1, 5)).toBe(String(proc.pid)) // pgrp
    expect(statField(proc.pid ?? -1, 6)).toBe(String(proc.pid)) // session
  })

  it('kills the whole tree: a grandchild in the group and a detached one in its own session', async () => {
    const { proc, spec } = start('adapter-grandchildren.js')
    const line = (await waitForLog(spec.stdoutPath, /"ownSession":\d+/)).split('\n')[0] ?? ''
    const { sameGroup, ownSession } = JSON.parse(line) as { sameGroup: number; ownSession: number }
    expect(statField(ownSession, 6)).toBe(String(ownSession)) // it really left the worker's session
    expect(listMarkedPids(spec.marker).sort()).toEqual([proc.pid, sameGroup, ownSession].sort())

    proc.signalTree('SIGTERM')
    await proc.waitTreeGone(5_000)
    expect(listMarkedPids(spec.marker)).toEqual([])
    expect([proc.pid, sameGroup, ownSession].filter((p) => isAliveNotZombie(p ?? -1))).toEqual([])
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGTERM' })
  })

  it('signals each process of the tree once (a second SIGTERM ends a graceful shutdown), spawned or adopted', async () => {
    for (const adopted of [false, true]) {
      const out = join(tempDir(), 'signals.txt')
      const { proc, spec } = start('adapter-count-signals.js', { args: [fixture('adapter-count-signals.js'), out] })
      await expect.poll(() => readText(out).split('\n').filter((l) => l.startsWith('ready')).length, { timeout: 10_000, interval: 20 }).toBe(3)
      const target = adopted ? adoptProcess(proc.pid ?? -1, spec.marker, readStartTime(proc.pid ?? -1) ?? -1, createLifeWatch()) : proc
      target.signalTree('SIGTERM')
      await target.waitTreeGone(5_000)
      expect(listMarkedPids(spec.marker)).toEqual([])
      const signalled = readText(out).split('\n').filter((l) => l !== '' && !l.startsWith('ready'))
      expect(signalled.sort(), adopted ? 'adopted' : 'spawned').toEqual(['own-session 1', 'same-group 1', 'worker 1'])
    }
  })

  it('SIGKILLs a worker that ignores SIGTERM once the grace period is over', async () => {
    const { proc, spec } = start('adapter-ignore-sigterm.js')
    await waitForLog(spec.stdoutPath, /armed/)
    proc.signalTree('SIGTERM')
    const began = performance.now()
    await proc.waitTreeGone(300)
    expect(performance.now() - began).toBeGreaterThanOrEqual(290)
    expect(listMarkedPids(spec.marker)).toEqual([])
    expect(readText(spec.stdoutPath)).toContain('SIGTERM ignored')
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' })
  })

  it('delivers IPC messages, including those sent before a listener was registered', async () => {
    const { proc, spec } = start('adapter-ipc-ready.js', { ipc: true, args: [fixture('adapter-ipc-ready.js'), '0'] })
    await waitForLog(spec.stdoutPath, /sent/)
    const early = vi.fn()
    proc.onMessage(early)
    await expect.poll(() => early.mock.calls, { timeout: 5_000 }).toEqual([['ready']])
  })

  it('survives the worker closing its IPC channel: the worker keeps running, nothing is reported', async () => {
    const { proc, spec } = start('adapter-ipc-ready.js', { ipc: true, args: [fixture('adapter-ipc-ready.js'), '20', 'disconnect'] })
    const messages: unknown[] = []
    proc.onMessage((m) => { messages.push(m) })
    await waitForLog(spec.stdoutPath, /disconnected connected=false/)
    await expect.poll(() => messages).toEqual(['ready'])
    let settled = false
    void proc.exited.then(() => { settled = true })
    await Promise.resolve()
    expect(settled).toBe(false)
    expect(isAliveNotZombie(proc.pid ?? -1)).toBe(true)
  })

  it('lets the daemon exit while the worker runs on, still writing to its log', async () => {
    const dir = tempDir()
    const logPath = join(dir, 'logs', 'mini-0.log')
    const marker = uniqueMarker('mini')
    killOnFinish(marker)
    const daemon = spawnSync(process.execPath, ['--import', 'tsx', fixture('adapter-mini-daemon.js'), logPath, marker, fixture('adapter-forever.js')],
      { cwd: FIXTURES, timeout: 20_000, encoding: 'utf8' }) // tsx resolves from the cwd
    expect(daemon.status).toBe(0)
    const { pid } = JSON.parse(daemon.stdout) as { pid: number }
    expect(isAliveNotZombie(pid)).toBe(true)
    expect(listMarkedPids(marker)).toEqual([pid])
    const size = readText(logPath).length
    await expect.poll(() => readText(logPath).length, { timeout: 5_000 }).toBeGreaterThan(size)
    expect(isAliveNotZombie(pid)).toBe(true)
  })
})
