// The Spawner port over execa: detached workers that outlive the daemon, output to a log file, trees killed whole.
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { execa, type Options, type Result, type ResultPromise } from 'execa'
import type { ExitResult, SpawnSpec, Spawner, WorkerProcess } from '../core/ports.ts'
import { findMarkedPids, isAliveNotZombie } from './proc-table.ts'
import { adoptProcess, createLifeWatch } from './adopted-process.ts'

/** How often waitTreeGone looks at /proc. */
const POLL_MS = 25
/** waitTreeGone gives up this long after the grace period (a process stuck in D state cannot be killed). */
const GIVE_UP_AFTER_GRACE_MS = 5_000
const LOG_FILE_MODE = 0o600
/** IPC messages kept while no listener is registered yet. */
const MAX_EARLY_MESSAGES = 100

/** process.kill that ignores processes already gone (ESRCH) or not ours (EPERM); an unknown signal still throws. */
function killQuietly (pid: number, signal: string): void {
  try {
    process.kill(pid, signal)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ESRCH' && code !== 'EPERM') throw err
  }
}

/**
 * Opens a worker's output target. A FIFO (the normal case, see docs/logs.md) is opened read-write: the
 * worker then holds a read end itself, so its writes never fail with EPIPE whoever else is alive.
 * A regular file (tests, or a FIFO that could not be made) is opened for appending.
 */
function openLog (logPath: string): number {
  try {
    if (statSync(logPath, { throwIfNoEntry: false })?.isFIFO() === true) return openSync(logPath, 'r+')
    mkdirSync(dirname(logPath), { recursive: true })
    return openSync(logPath, 'a', LOG_FILE_MODE)
  } catch (err) {
    throw new Error(`cannot open log file ${logPath}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

/** An exit is a value: execa reports a spawn failure as neither exitCode nor signal. */
function toExitResult (r: Pick<Result, 'exitCode' | 'signal' | 'message' | 'originalMessage' | 'code'>): ExitResult {
  if (r.exitCode !== undefined || r.signal !== undefined) return { code: r.exitCode ?? null, signal: r.signal ?? null }
  const detail = r.originalMessage ?? r.message ?? ''
  return { code: null, signal: null, error: detail !== '' ? detail : `spawn failed: ${r.code ?? 'unknown error'}` }
}

function failedProcess (error: unknown): WorkerProcess {
  const message = error instanceof Error ? error.message : String(error)
  return {
    pid: undefined,
    exited: Promise.resolve({ code: null, signal: null, error: message }),
    signalTree () {},
    waitTreeGone: async () => {},
    onMessage () {}
  }
}

/** Buffers IPC messages until the first listener arrives, then fans them out. */
function createMessageHub (): { push: (m: unknown) => void; add: (fn: (m: unknown) => void) => void } {
  const listeners: Array<(m: unknown) => void> = []
  let early: unknown[] = []
  return {
    push (m) {
      if (listeners.length === 0 && early.length < MAX_EARLY_MESSAGES) early.push(m)
      for (const fn of listeners) fn(m)
    },
    add (fn) {
      listeners.push(fn)
      const replay = early
      early = []
      for (const m of replay) fn(m)
    }
  }
}

interface MarkedScan {
  /** Pids carrying the marker, from a scan made now (signalling must see every process forked so far). */
  fresh (marker: string): number[]
  /** The same from a scan at most POLL_MS old: many workers waiting together share one /proc scan per poll. */
  recent (marker: string): number[]
}

function createMarkedScan (): MarkedScan {
  let takenAt = -Infinity
  let byMarker = new Map<string, number[]>()
  const take = (): void => {
    byMarker = new Map()
    for (const { pid, marker } of findMarkedPids('')) byMarker.set(marker, [...(byMarker.get(marker) ?? []), pid])
    takenAt = performance.now()
  }
  return {
    fresh (marker) { take(); return byMarker.get(marker) ?? [] },
    recent (marker) {
      if (performance.now() - takenAt >= POLL_MS) take()
      return byMarker.get(marker) ?? []
    }
  }
}

/** The execa options of every worker; their literal types give the Result type of `exited`. */
function spawnOptions (spec: SpawnSpec, logFd: { out: Options['stdout']; err: Options['stderr'] }) {
  return {
    cwd: spec.cwd,
    env: { ...spec.env, SUP_MARKER: spec.marker },
    extendEnv: false,
    // Own process group and session: the worker survives the daemon and a group kill reaches all of it
    detached: true,
    cleanup: false,
    reject: false,
    forceKillAfterDelay: false,
    buffer: false,
    stdin: 'ignore',
    stdout: logFd.out,
    stderr: logFd.err,
    ipc: spec.ipc,
    serialization: 'json'
  } as const satisfies Options
}

type Subprocess = ResultPromise<ReturnType<typeof spawnOptions>>

function startProcess (spec: SpawnSpec): Subprocess {
  const out = openLog(spec.stdoutPath)
  let err = out
  try {
    if (spec.stderrPath !== spec.stdoutPath) err = openLog(spec.stderrPath)
    // execa's types list only fds 1-9, but any open fd is handed to child_process.spawn() as is
    return execa(spec.command, spec.args, spawnOptions(spec, { out: out as Options['stdout'], err: err as Options['stderr'] }))
  } finally {
    closeSync(out) // the child holds its own copies since spawn() returned
    if (err !== out) closeSync(err)
  }
}

/** The production Spawner. spawn() never throws: a failure becomes a WorkerProcess whose `exited` has `error`. */
export function createExecaSpawner (): Spawner {
  const scan = createMarkedScan()
  // every adopted worker is checked for life on this one tick (not a timer each)
  const life = createLifeWatch()
  return {
    spawn (spec) {
      let child: Subprocess
      try {
        child = startProcess(spec)
      } catch (error) {
        return failedProcess(error)
      }
      return wrapChild(child, spec.marker, scan)
    },
    adopt: (pid, marker, startTime) => adoptProcess(pid, marker, startTime, life)
  }
}

function wrapChild (child: Subprocess, marker: string, scan: MarkedScan): WorkerProcess {
  const pid = child.pid
  const hub = createMessageHub()
  let hasExited = false
  const exited = Promise.resolve(child).then(toExitResult, (error: unknown) => {
    return { code: null, signal: null, error: error instanceof Error ? error.message : String(error) }
  }).then((r) => { hasExited = true; return r })
  if (child.channel !== undefined && child.channel !== null) {
    child.on('message', (m: unknown) => { hub.push(m) })
    // A daemon that goes away closes the channel; that must not touch the worker, nor keep the daemon alive
    child.channel.unref()
  }
  child.unref()

  const signalTree = (signal: string): void => {
    if (pid !== undefined) killQuietly(-pid, signal)
    for (const p of scan.fresh(marker)) killQuietly(p, signal)
  }

  // No /proc scan while the main process runs: the tree cannot be gone before it
  const isTreeGone = (): boolean => (hasExited || pid === undefined || !isAliveNotZombie(pid)) && scan.recent(marker).length === 0

  const waitTreeGone = async (graceMs: number): Promise<void> => {
    const start = performance.now()
    while (!isTreeGone()) {
      const elapsed = performance.now() - start
      if (elapsed >= graceMs + GIVE_UP_AFTER_GRACE_MS) return
      if (elapsed >= graceMs) signalTree('SIGKILL')
      await sleep(POLL_MS)
    }
  }

  return { pid, exited, signalTree, waitTreeGone, onMessage: hub.add }
}
