// Helpers of the log-collector tests: temp dirs, writer processes on FIFOs (as the daemon spawns them), log readers.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import { createLogCollector, type LogCollector, type LogCollectorDeps, type LogCollectorEvent } from '../../../src/logs/collector.ts'
import { workerLogPath, workerPipePaths, writeRotationConfig } from '../../../src/logs/fifo.ts'
import { ensureFifo } from '../../../src/logs/fifo-maker.ts'
import { parseRecord, type LogRecord } from '../../../src/logs/record-framer.ts'
import type { RotationLimits } from '../../../src/logs/rotating-file.ts'
import { clearStaleLogdLock, type LogdLockPaths } from '../../../src/adapters/logd-lock.ts'

export const FLOOD = fileURLToPath(new URL('../../fixtures/logs-flood.js', import.meta.url))

export interface Dirs { readonly home: string; readonly pipesDir: string; readonly logsDir: string }

/** A fresh SUP_HOME-like tree, removed when the test ends. */
export function homeDirs (): Dirs {
  const home = mkdtempSync('/tmp/sup-logs-')
  onTestFinished(() => { rmSync(home, { recursive: true, force: true }) })
  const logsDir = `${home}/logs`
  const pipesDir = `${logsDir}/.pipes`
  mkdirSync(pipesDir, { recursive: true, mode: 0o700 })
  return { home, pipesDir, logsDir }
}

export function killOnFinish (pid: number | undefined): void {
  onTestFinished(() => {
    if (pid === undefined) return
    try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
  })
}

export interface Writer { readonly child: ChildProcess; readonly exited: Promise<{ code: number | null; signal: string | null }> }

/** Makes the worker's FIFOs and sidecar, then spawns it on them opened 'r+', exactly as the daemon does. */
export function startWriter (dirs: Dirs, app: string, instance: number, command: string, args: string[], limits: RotationLimits): Writer {
  const p = workerPipePaths(dirs.pipesDir, app, instance)
  ensureFifo(p.out)
  ensureFifo(p.err)
  writeRotationConfig(p.config, limits)
  const out = openSync(p.out, 'r+')
  const err = openSync(p.err, 'r+')
  const child = spawn(command, args, { stdio: ['ignore', out, err] })
  closeSync(out)
  closeSync(err)
  killOnFinish(child.pid)
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
    child.on('error', () => resolve({ code: null, signal: 'spawn-error' }))
  })
  return { child, exited }
}

export interface CollectorHandle { readonly collector: LogCollector; readonly events: LogCollectorEvent[]; readonly errors: Array<{ err: unknown; where: string }> }

/** A collector in this process (closed when the test ends) recording its events and errors. */
export function startCollector (dirs: Dirs, extra: Partial<Pick<LogCollectorDeps, 'openFile' | 'watch' | 'onPipesDirMissing'>> = {}): CollectorHandle {
  const events: LogCollectorEvent[] = []
  const errors: Array<{ err: unknown; where: string }> = []
  const collector = createLogCollector({
    pipesDir: dirs.pipesDir,
    logsDir: dirs.logsDir,
    now: () => Date.now(),
    onEvent: (e) => events.push(e),
    onError: (err, where) => errors.push({ err, where }),
    ...extra
  })
  onTestFinished(() => collector.close())
  collector.scan()
  return { collector, events, errors }
}

/** A worker's log files, oldest first (`.log.N` … `.log.1`, `.log`). */
export function logFiles (dirs: Dirs, app: string, instance: number): string[] {
  const path = workerLogPath(dirs.logsDir, app, instance)
  const files: string[] = []
  for (let k = 1; existsSync(`${path}.${k}`); k++) files.unshift(`${path}.${k}`)
  if (existsSync(path)) files.push(path)
  return files
}

/** Every record of a worker, oldest first; throws on a line that is not a record (a torn write). */
export function readRecords (dirs: Dirs, app: string, instance: number): LogRecord[] {
  const records: LogRecord[] = []
  for (const file of logFiles(dirs, app, instance)) {
    const data = readFileSync(file)
    for (let at = 0; at < data.length;) {
      const nl = data.indexOf(0x0a, at)
      if (nl === -1) throw new Error(`${file}: unterminated record at ${at}`)
      const r = parseRecord(data.subarray(at, nl + 1))
      if (r === null) throw new Error(`${file}: not a record at ${at}: ${data.toString('latin1', at, Math.min(nl, at + 80))}`)
      records.push(r)
      at = nl + 1
    }
  }
  return records
}

/** The bytes a stream carried: its records joined, '\n' after each record that ends a line. */
export function streamBytes (records: readonly LogRecord[], stream: string): Buffer {
  const parts: Buffer[] = []
  for (const r of records) {
    if (r.stream !== stream) continue
    parts.push(r.bytes)
    if (!r.continues) parts.push(Buffer.from('\n'))
  }
  return Buffer.concat(parts)
}

/** The complete lines of a stream (continuations joined), as latin1 strings. */
export function streamLines (records: readonly LogRecord[], stream: string): string[] {
  const text = streamBytes(records, stream).toString('latin1')
  const lines = text.split('\n')
  lines.pop()
  return lines
}

/** Checks `lines` is exactly `<label> <from>` … `<label> <to-1>`; returns the first problem, or null. */
export function checkSequence (lines: readonly string[], label: string, from: number, to: number): string | null {
  if (lines.length !== to - from) return `${label}: ${lines.length} lines, expected ${to - from} (first ${lines[0]}, last ${lines[lines.length - 1]})`
  for (let i = from; i < to; i++) {
    const line = lines[i - from]
    if (line !== `${label} ${i}`) return `${label}: line ${i - from} is ${JSON.stringify(line)}, expected "${label} ${i}"`
  }
  return null
}

export const LOGD_MAIN = fileURLToPath(new URL('../../../src/logd-main.ts', import.meta.url))
const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/', import.meta.url))

/** The built sup-logd (`pnpm build`, which test:all runs first): what an install runs, one CommonJS file. */
export const LOGD_BUNDLE = fileURLToPath(new URL('../../../bundle/logd-main.cjs', import.meta.url))

/** sup-logd as its own process on this SUP_HOME (TypeScript through tsx, which resolves from the fixtures' cwd; or the bundle). */
export function startLogd (dirs: Dirs, entry = LOGD_MAIN): Writer {
  const args = entry.endsWith('.ts') ? ['--import', 'tsx', '--conditions=@sup/source', entry] : [entry]
  const child = spawn(process.execPath, args, {
    cwd: FIXTURES_DIR,
    env: { ...process.env, SUP_HOME: dirs.home, SUP_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  killOnFinish(child.pid)
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
    child.on('error', () => resolve({ code: null, signal: 'spawn-error' }))
  })
  return { child, exited }
}

/** sup-logd's lock and pid file in this SUP_HOME. */
export function logdLockPaths (dirs: Dirs): LogdLockPaths {
  return { lockPath: `${dirs.home}/logd.lock`, pidPath: `${dirs.home}/logd.pid` }
}

/** Plays the daemon's part (its keeper does this before each start): removes the lock a dead sup-logd left. */
export function clearStaleLock (dirs: Dirs): boolean {
  return clearStaleLogdLock(logdLockPaths(dirs))
}

/** The pid in $SUP_HOME/logd.pid, or null. */
export function logdPid (dirs: Dirs): number | null {
  try { return Number(readFileSync(`${dirs.home}/logd.pid`, 'utf8').trim()) } catch { return null }
}

export function isAlive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch { return false }
}

/** The last complete line of a stream in the current log file, read from its tail only (cheap enough to poll). */
export function lastLine (dirs: Dirs, app: string, instance: number, stream = 'out'): string | undefined {
  const path = workerLogPath(dirs.logsDir, app, instance)
  let data: Buffer
  try { data = readFileSync(path) } catch { return undefined }
  const tail = data.subarray(Math.max(0, data.length - 4096))
  const lines = tail.toString('latin1').split('\n').slice(1, -1).reverse()
  for (const l of lines) {
    const r = parseRecord(Buffer.from(l, 'latin1'))
    if (r !== null && r.stream === stream && !r.continues) return r.bytes.toString('latin1')
  }
  return undefined
}

export function logSize (dirs: Dirs, app: string, instance: number): number {
  return logFiles(dirs, app, instance).reduce((n, f) => n + statSync(f).size, 0)
}

/** A SUP_HOME whose logs/ is a 2 MiB tmpfs; null when mounting is not permitted here. */
export function tinyDiskHome (): Dirs | null {
  const home = mkdtempSync('/tmp/sup-logs-full-')
  const logsDir = `${home}/logs`
  mkdirSync(logsDir)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', logsDir], { stdio: 'pipe' })
  } catch (err) {
    rmSync(home, { recursive: true, force: true })
    process.stderr.write(`\n!!! disk-full test on a real tmpfs SKIPPED: mount not permitted (${(err as Error).message.split('\n')[0]})\n\n`)
    return null
  }
  onTestFinished(() => {
    try { execFileSync('umount', ['-l', logsDir], { stdio: 'pipe' }) } catch { /* already gone */ }
    rmSync(home, { recursive: true, force: true })
  })
  mkdirSync(`${logsDir}/.pipes`, { mode: 0o700 })
  return { home, logsDir, pipesDir: `${logsDir}/.pipes` }
}
