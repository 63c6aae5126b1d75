// sup-logd as a process: one per SUP_HOME (the loser exits 0, a stale lock makes it exit 75), SIGTERM flushes everything, events land in sup.db.
import { once } from 'node:events'
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, watch } from 'node:fs'
import { describe, it, expect, onTestFinished } from 'vitest'
import { waitFor } from '@sup/test-support'
import { LOGD_EXIT_STALE_LOCK } from '../../../src/adapters/logd-lock.ts'
import { openSqlite } from '../../../src/adapters/sqlite-driver.ts'
import { workerLogPath } from '../../../src/logs/index.ts'
import { clearStaleLock, FLOOD, homeDirs, isAlive, lastLine, logFiles, LOGD_BUNDLE, logdPid, readRecords, startLogd, startWriter, streamLines, tinyDiskHome } from './logs-support.ts'

const LIMITS = { maxSize: 10 * 1024 * 1024, files: 5 }

describe('sup-logd process', () => {
  it('two started at once: exactly one runs, the other exits 0 quietly', async () => {
    const dirs = homeDirs()
    const a = startLogd(dirs)
    const b = startLogd(dirs)
    const loser = await Promise.race([a.exited.then(() => a), b.exited.then(() => b)])
    const winner = loser === a ? b : a
    expect(loser.child.exitCode).toBe(0)
    await waitFor(() => logdPid(dirs) === winner.child.pid, { what: 'the winner to write logd.pid' })
    expect(isAlive(winner.child.pid ?? -1)).toBe(true)

    const late = startLogd(dirs) // and one started later, too
    expect(await late.exited).toEqual({ code: 0, signal: null })
    expect(logdPid(dirs)).toBe(winner.child.pid)
    winner.child.kill('SIGTERM')
    expect(await winner.exited).toEqual({ code: 0, signal: null })
    expect(existsSync(`${dirs.home}/logd.pid`)).toBe(false)
    expect(existsSync(`${dirs.home}/logd.lock`)).toBe(false)
  })

  it('started on a stale lock (its holder SIGKILLed): exits 75, says so, touches nothing and collects nothing', async () => {
    const dirs = homeDirs()
    const killed = startLogd(dirs)
    await waitFor(() => logdPid(dirs) === killed.child.pid, { what: 'sup-logd to start' })
    killed.child.kill('SIGKILL')
    await killed.exited
    const staleLock = readFileSync(`${dirs.home}/logd.lock`, 'latin1')
    expect(staleLock).toMatch(new RegExp(`^${killed.child.pid} \\d+\n$`))
    startWriter(dirs, 'waiting', 0, process.execPath, ['-e', "process.stdout.write('hello\\n'); setInterval(() => {}, 1000)"], LIMITS)

    const late = startLogd(dirs)
    let stderr = ''
    late.child.stderr?.setEncoding('utf8').on('data', (c: string) => { stderr += c })
    const closed = once(late.child, 'close') // after stderr's last byte
    expect(await late.exited).toEqual({ code: LOGD_EXIT_STALE_LOCK, signal: null })
    await closed
    expect(stderr).toMatch(/logd\.lock is stale .*the daemon clears it/)
    expect(readFileSync(`${dirs.home}/logd.lock`, 'latin1')).toBe(staleLock) // never removed by sup-logd
    expect(logdPid(dirs)).toBe(killed.child.pid)
    expect(logFiles(dirs, 'waiting', 0)).toEqual([])

    expect(clearStaleLock(dirs)).toBe(true) // the daemon's part (its keeper does this before each start)
    const next = startLogd(dirs)
    await waitFor(() => streamLines(readRecords(dirs, 'waiting', 0), 'out')[0] === 'hello', { what: 'the waiting line, collected by the next sup-logd' })
    next.child.kill('SIGTERM')
    expect(await next.exited).toEqual({ code: 0, signal: null })
    expect(existsSync(`${dirs.home}/logd.lock`)).toBe(false)
  })

  it('a SIGTERM the moment it takes its lock (still opening its files) stops it cleanly: exit 0, no lock left behind', async () => {
    const dirs = homeDirs()
    const watcher = watch(dirs.home)
    onTestFinished(() => { watcher.close() })
    const locked = new Promise<void>((resolve) => {
      watcher.on('change', () => { if (existsSync(`${dirs.home}/logd.lock`)) resolve() })
    })
    const logd = startLogd(dirs, LOGD_BUNDLE)
    await locked
    logd.child.kill('SIGTERM') // before: the default action killed it holding the lock (a stale lock; the daemon had to clear it)
    expect(await logd.exited).toEqual({ code: 0, signal: null })
    expect(existsSync(`${dirs.home}/logd.lock`)).toBe(false)
    expect(existsSync(`${dirs.home}/logd.pid`)).toBe(false)
  })

  it('collects a worker that appears after it started; SIGTERM writes every line and the partial one', async () => {
    const dirs = homeDirs()
    const logd = startLogd(dirs)
    await waitFor(() => logdPid(dirs) === logd.child.pid, { what: 'sup-logd to start' })
    const script = "for (let i = 0; i < 5000; i++) process.stdout.write(`s ${i}\\n`); process.stdout.write('no newline yet'); setInterval(() => {}, 1000)"
    const w = startWriter(dirs, 'late-app', 3, process.execPath, ['-e', script], LIMITS)
    await waitFor(() => lastLine(dirs, 'late-app', 3) === 's 4999', { what: 'the lines' })
    logd.child.kill('SIGTERM') // well before the 1 s idle flush could be the one writing the partial
    expect(await logd.exited).toEqual({ code: 0, signal: null })
    const records = readRecords(dirs, 'late-app', 3)
    expect(streamLines(records, 'out')).toHaveLength(5000)
    expect(records.at(-1)).toMatchObject({ stream: 'out', continues: true })
    expect(records.at(-1)?.bytes.toString()).toBe('no newline yet')
    expect(isAlive(w.child.pid ?? -1)).toBe(true) // the worker does not care
    expect(existsSync(`${dirs.home}/logd.pid`)).toBe(false)
  })

  it('leaves (exit 0) when its SUP_HOME is removed: no worker is left to collect for, no daemon to stop it', async () => {
    const dirs = homeDirs()
    const logd = startLogd(dirs)
    await waitFor(() => logdPid(dirs) === logd.child.pid, { what: 'sup-logd to start' })
    rmSync(dirs.home, { recursive: true, force: true })
    expect(await logd.exited).toEqual({ code: 0, signal: null })
  })

  it('the built sup-logd (one CommonJS file) collects, and loads SQLite to record an event when a write fails', async () => {
    const dirs = homeDirs()
    mkdirSync(workerLogPath(dirs.logsDir, 'blocked', 0), { recursive: true }) // a directory where its log file goes: EISDIR
    const logd = startLogd(dirs, LOGD_BUNDLE)
    let stderr = ''
    logd.child.stderr?.setEncoding('utf8').on('data', (text: string) => { stderr += text })
    await waitFor(() => logdPid(dirs) === logd.child.pid, { what: 'the built sup-logd to start' })
    startWriter(dirs, 'fine', 0, process.execPath, ['-e', "console.log('hello from the bundle'); setInterval(() => {}, 1000)"], LIMITS)
    startWriter(dirs, 'blocked', 0, process.execPath, ['-e', "console.log('nowhere to go'); setInterval(() => {}, 1000)"], LIMITS)
    await waitFor(() => streamLines(readRecords(dirs, 'fine', 0), 'out').includes('hello from the bundle'), { what: 'the line' })
    const types = (): string[] => {
      if (!existsSync(`${dirs.home}/sup.db`)) return []
      const db = openSqlite(`${dirs.home}/sup.db`, { readOnly: true })
      try { return db.prepare<{ type: string }>("SELECT type FROM events WHERE app = 'blocked'").all().map((e) => e.type) } finally { db.close() }
    }
    await waitFor(() => types().includes('log-write-failed'), { what: 'log-write-failed in sup.db' })
    logd.child.kill('SIGTERM')
    expect(await logd.exited).toEqual({ code: 0, signal: null })
    expect(stderr).not.toContain('ExperimentalWarning') // Node 22 calls node:sqlite experimental when it loads
  })

  it('records log-write-failed and log-write-resumed in sup.db (logs/ on a full 2 MiB tmpfs)', async (ctx) => {
    const dirs = tinyDiskHome()
    if (dirs === null) { ctx.skip(); return }
    const logd = startLogd(dirs)
    await waitFor(() => logdPid(dirs) === logd.child.pid, { what: 'sup-logd to start' })
    const w = startWriter(dirs, 'db', 1, process.execPath, [FLOOD, 'd', '50000', '90'], LIMITS)
    expect(await w.exited).toEqual({ code: 0, signal: null })
    const events = (): Array<{ type: string; app: string; instance: number; reason: string }> => {
      if (!existsSync(`${dirs.home}/sup.db`)) return []
      const db = openSqlite(`${dirs.home}/sup.db`, { readOnly: true })
      try { return db.prepare('SELECT type, app, instance, reason FROM events ORDER BY id').all() as never } finally { db.close() }
    }
    await waitFor(() => events().length > 0, { what: 'the failure event in sup.db' })
    expect(events()[0]).toMatchObject({ type: 'log-write-failed', app: 'db', instance: 1 })
    expect(events()[0]?.reason).toContain('ENOSPC')
    truncateSync(`${dirs.logsDir}/db-1.log`, 0) // space returns
    await waitFor(() => events().length === 2, { timeoutMs: 5_000, what: 'the resumed event in sup.db' })
    expect(events()[1]).toMatchObject({ type: 'log-write-resumed', app: 'db', instance: 1 })
    logd.child.kill('SIGTERM')
    expect(await logd.exited).toEqual({ code: 0, signal: null })
  })
})
