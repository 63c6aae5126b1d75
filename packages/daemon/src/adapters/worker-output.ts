// Prepares each worker's output targets: its two FIFOs and rotation settings, read by sup-logd (docs/logs.md).
import { mkdirSync, rmSync } from 'node:fs'
import type { AppSpec } from '../core/app-spec.ts'
import type { OutputPaths } from '../runtime/spawn-spec.ts'
import { ensureFifo, workerPipePaths, writeRotationConfig } from '../logs/index.ts'

export interface WorkerOutput {
  prepare (spec: AppSpec, instance: number): OutputPaths
  remove (app: string, instance: number): void
}

export function createWorkerOutput (pipesDir: string): WorkerOutput {
  return {
    prepare (spec, instance) {
      mkdirSync(pipesDir, { recursive: true, mode: 0o700 })
      const p = workerPipePaths(pipesDir, spec.name, instance)
      ensureFifo(p.out)
      ensureFifo(p.err)
      writeRotationConfig(p.config, { maxSize: spec.logMaxSize, files: spec.logFiles })
      return { stdoutPath: p.out, stderrPath: p.err }
    },
    remove (app, instance) {
      const p = workerPipePaths(pipesDir, app, instance)
      for (const f of [p.out, p.err, p.config]) rmSync(f, { force: true })
    }
  }
}
