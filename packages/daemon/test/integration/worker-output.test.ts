// A worker's output FIFOs: the first worker of an app to start makes every instance's (mkfifo is a process of its
// own on the start path: one for `sup start -n 5`, not five); delete removes them.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createWorkerOutput } from '../../src/adapters/worker-output.ts'
import { workerPipePaths } from '../../src/logs/index.ts'
import { makeSpec } from '../unit/runtime/harness.ts'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

describe('worker output', () => {
  it('the first prepare makes the FIFOs of every instance of the app; remove deletes an instance\'s', () => {
    const home = mkdtempSync(join(tmpdir(), 'sup-output-'))
    dirs.push(home)
    const pipes = join(home, 'pipes')
    const output = createWorkerOutput(pipes)
    const spec = makeSpec({ name: 'web', instances: 5 })
    expect(output.prepare(spec, 0)).toEqual({ stdoutPath: workerPipePaths(pipes, 'web', 0).out, stderrPath: workerPipePaths(pipes, 'web', 0).err })
    for (let i = 0; i < 5; i++) {
      const p = workerPipePaths(pipes, 'web', i)
      expect(statSync(p.out).isFIFO() && statSync(p.err).isFIFO(), `instance ${i}`).toBe(true)
    }
    expect(existsSync(workerPipePaths(pipes, 'web', 5).out)).toBe(false)
    output.prepare(spec, 4)
    output.remove('web', 4)
    expect(existsSync(workerPipePaths(pipes, 'web', 4).out)).toBe(false)
    expect(statSync(output.prepare(spec, 4).stdoutPath).isFIFO()).toBe(true) // made again when it starts again
  })
})
