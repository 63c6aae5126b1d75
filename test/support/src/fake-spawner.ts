// FakeSpawner: records every spawn; a test ends a process with proc.exit({code}) — no real processes.
// Like a real process, a fake one cannot survive SIGKILL; other signals end it only when listed in `exitOn`.
import type { ExitResult, SpawnSpec, Spawner, WorkerProcess } from '../../../packages/daemon/src/core/ports.ts'

export interface FakeProcess extends WorkerProcess {
  readonly spec: SpawnSpec
  readonly signals: string[]
  exit (r: Partial<ExitResult>): void
  send (message: unknown): void
  readonly hasExited: boolean
}

export interface FakeSpawner extends Spawner {
  readonly procs: FakeProcess[]
  /** Processes taken over with adopt() (not spawned by this spawner). */
  readonly adopted: FakeProcess[]
  last (): FakeProcess
  /** Make the next spawn fail (no pid) with this error. */
  failNext (error: string): void
}

export interface FakeSpawnerOptions {
  /** Signals (besides SIGKILL) that end a process, as a well-behaved worker does on SIGTERM. Default: none. */
  readonly exitOn?: readonly string[]
}

export function createFakeSpawner (firstPid = 1000, opts: FakeSpawnerOptions = {}): FakeSpawner {
  const exitOn = new Set(['SIGKILL', ...(opts.exitOn ?? [])])
  let pid = firstPid
  let failure: string | null = null
  const procs: FakeProcess[] = []
  const adopted: FakeProcess[] = []

  function makeProc (spec: SpawnSpec, procPid: number | undefined): FakeProcess {
    let resolveExit: (r: ExitResult) => void = () => undefined
    const exited = new Promise<ExitResult>((resolve) => { resolveExit = resolve })
    const listeners: Array<(m: unknown) => void> = []
    const signals: string[] = []
    let hasExited = false
    const proc: FakeProcess = {
      spec,
      signals,
      pid: procPid,
      exited,
      get hasExited () { return hasExited },
      signalTree (sig) {
        signals.push(sig)
        if (exitOn.has(sig)) proc.exit({ signal: sig })
      },
      waitTreeGone: async () => { await exited },
      onMessage (fn) { listeners.push(fn) },
      exit (r) {
        if (hasExited) return
        hasExited = true
        resolveExit({ code: r.code ?? null, signal: r.signal ?? null, ...(r.error === undefined ? {} : { error: r.error }) })
      },
      send (m) { for (const l of listeners) l(m) }
    }
    return proc
  }

  return {
    procs,
    adopted,
    adopt (adoptedPid, marker) {
      const p = makeProc({ app: '?', instance: -1, command: '?', args: [], cwd: '/', env: {}, marker, stdoutPath: '', stderrPath: '', ipc: false }, adoptedPid)
      adopted.push(p)
      return p
    },
    last () {
      const p = procs[procs.length - 1]
      if (p === undefined) throw new Error('nothing spawned yet')
      return p
    },
    failNext (error) { failure = error },
    spawn (spec) {
      const failed = failure
      failure = null
      const proc = makeProc(spec, failed === null ? ++pid : undefined)
      if (failed !== null) proc.exit({ error: failed })
      procs.push(proc)
      return proc
    }
  }
}
