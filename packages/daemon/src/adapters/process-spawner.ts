// The Spawner port over node's child_process: detached workers that outlive the daemon, output to a log file, trees
// killed whole. (It was execa: for a detached child with its output on fds, an exit and IPC, execa added nothing
// node's spawn lacks, and loading it cost the daemon ~4 MiB of heap and its start ~30 ms.)
import { spawn as spawnChild, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ExitResult, SpawnSpec, Spawner, WorkerProcess } from '../core/ports.ts'
import { findMarkedPids, isAliveNotZombie } from './proc-table.ts'
import { adoptProcess, createLifeWatch } from './adopted-process.ts'
import { signalTree as signalWorkerTree } from './tree-signal.ts'

/** How often waitTreeGone looks at /proc. */
const POLL_MS = 25
/** waitTreeGone gives up this long after the grace period (a process stuck in D state cannot be killed). */
const GIVE_UP_AFTER_GRACE_MS = 5_000
const LOG_FILE_MODE = 0o600
/** IPC messages kept while no listener is registered yet. */
const MAX_EARLY_MESSAGES = 100

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

/** A cwd that is no directory is said as such (node's spawn reports only ENOENT, as for a missing program). */
function checkCwd (cwd: string): void {
  let isDir: boolean
  try { isDir = statSync(cwd).isDirectory() } catch (err) {
    throw new Error(`cannot use cwd ${cwd}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err })
  }
  if (!isDir) throw new Error(`cannot use cwd ${cwd}: not a directory`)
}

/**
 * A program that is gone is said as such: node's spawn reports only ENOENT, and an app's node (the one that ran `sup
 * start`, nvm's say) or interpreter may have been uninstalled since the app started.
 */
function checkCommand (command: string): void {
  if (!command.startsWith('/') || existsSync(command)) return
  throw new Error(`cannot run ${command}: it no longer exists (ENOENT: a node or interpreter uninstalled since the app started? start the app again: \`sup delete\`, then \`sup start\`)`)
}

function startProcess (spec: SpawnSpec): ChildProcess {
  checkCwd(spec.cwd)
  checkCommand(spec.command)
  const out = openLog(spec.stdoutPath)
  let err = out
  try {
    if (spec.stderrPath !== spec.stdoutPath) err = openLog(spec.stderrPath)
    return spawnChild(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...spec.env, SUP_MARKER: spec.marker },
      // Own process group and session: the worker survives the daemon and a group kill reaches all of it
      detached: true,
      stdio: spec.ipc ? ['ignore', out, err, 'ipc'] : ['ignore', out, err],
      serialization: 'json'
    })
  } finally {
    closeSync(out) // the child holds its own copies since spawn() returned
    if (err !== out) closeSync(err)
  }
}

/** The child's end as a value: its exit code or signal, or why it never ran (a spawn error: no pid). */
function exitOf (child: ChildProcess): Promise<ExitResult> {
  return new Promise((resolve) => {
    // kept for the child's life: an 'error' with no listener (a broken IPC channel, later) would throw in the daemon
    child.on('error', (error: NodeJS.ErrnoException) => {
      // an error after the spawn (a failed kill or send) is not an exit: the 'exit' event still comes
      if (child.pid === undefined) resolve({ code: null, signal: null, error: error.message !== '' ? error.message : `spawn failed: ${error.code ?? 'unknown error'}` })
    })
    child.once('exit', (code, signal) => { resolve({ code, signal }) })
  })
}

/** The production Spawner. spawn() never throws: a failure becomes a WorkerProcess whose `exited` has `error`. */
export function createProcessSpawner (): Spawner {
  const scan = createMarkedScan()
  // every adopted worker is checked for life on this one tick (not a timer each)
  const life = createLifeWatch()
  return {
    spawn (spec) {
      let child: ChildProcess
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

function wrapChild (child: ChildProcess, marker: string, scan: MarkedScan): WorkerProcess {
  const pid = child.pid
  const hub = createMessageHub()
  let hasExited = false
  const exited = exitOf(child).then((r) => { hasExited = true; return r })
  if (child.channel !== undefined && child.channel !== null) {
    child.on('message', (m: unknown) => { hub.push(m) })
    // A daemon that goes away closes the channel; that must not touch the worker, nor keep the daemon alive
    child.channel.unref()
  }
  child.unref()

  const signalTree = (signal: string): void => { signalWorkerTree(pid === undefined ? [] : [pid], scan.fresh(marker), signal) }

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
