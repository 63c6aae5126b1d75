// Prepares each worker's output targets: its two FIFOs and rotation settings, read by sup-logd (docs/logs.md).
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs'
import type { AppSpec } from '../core/app-spec.ts'
import type { OutputPaths } from '../runtime/spawn-spec.ts'
import { workerPipePaths, writeRotationConfig } from '../logs/index.ts'
import { ensureFifo } from '../logs/fifo-maker.ts'

export interface WorkerOutput {
  prepare (spec: AppSpec, instance: number): OutputPaths
  remove (app: string, instance: number): void
}

/**
 * The daemon keeps one read-write fd on every FIFO it prepared (and never reads it): a pipe's buffered
 * bytes are discarded when its last holder closes it, so without this a worker that exits while
 * sup-logd is down would take its last output (often the crash's stack trace) with it.
 */
export function createWorkerOutput (pipesDir: string): WorkerOutput {
  const held = new Map<string, number>()
  const hold = (path: string): void => {
    if (held.has(path)) return
    try { held.set(path, openSync(path, 'r+')) } catch { /* the worker's own fd still keeps it open */ }
  }
  return {
    prepare (spec, instance) {
      mkdirSync(pipesDir, { recursive: true, mode: 0o700 })
      const p = workerPipePaths(pipesDir, spec.name, instance)
      // mkfifo is a process (node has no mkfifo): on the start path, so the first worker of an app to start makes the
      // FIFOs of every instance the spec counts that lacks them, in one call (`sup start -n 50`: one spawn, not 50)
      if (!existsSync(p.out) || !existsSync(p.err)) {
        const missing: string[] = []
        for (let i = instance; i < Math.max(spec.instances, instance + 1); i++) {
          const q = workerPipePaths(pipesDir, spec.name, i)
          for (const f of [q.out, q.err]) if (!existsSync(f)) missing.push(f)
        }
        spawnSync('mkfifo', ['-m', '600', ...missing])
      }
      ensureFifo(p.out)
      ensureFifo(p.err)
      hold(p.out)
      hold(p.err)
      writeRotationConfig(p.config, { maxSize: spec.logMaxSize, files: spec.logFiles })
      return { stdoutPath: p.out, stderrPath: p.err }
    },
    remove (app, instance) {
      const p = workerPipePaths(pipesDir, app, instance)
      for (const f of [p.out, p.err]) {
        const fd = held.get(f)
        if (fd !== undefined) { closeSync(fd); held.delete(f) }
      }
      for (const f of [p.out, p.err, p.config]) rmSync(f, { force: true })
    }
  }
}
