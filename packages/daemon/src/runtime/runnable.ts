// Refuses, at `sup start`, an app that could never run: a missing script, a script without the execute bit, a missing interpreter.
import type { AppSpec } from '../core/app-spec.ts'
import { SUP_ERR_NOT_EXECUTABLE, SUP_ERR_SCRIPT_NOT_FOUND } from '../errors.ts'
import { isNodeScript, isTypeScript, NODE_STRIPS_TYPES } from './node-script.ts'

export interface RunnableChecks {
  readonly isFile: (path: string) => Promise<boolean>
  /** Absent in tests that fake the filesystem: then only existence is checked. */
  readonly isExecutable?: ((path: string) => Promise<boolean>) | undefined
}

/** Throws SUP_ERR_SCRIPT_NOT_FOUND or SUP_ERR_NOT_EXECUTABLE; nothing is started or stored before it passed. */
export async function checkRunnable (spec: AppSpec, fs: RunnableChecks, stripsTypes: boolean = NODE_STRIPS_TYPES): Promise<void> {
  if (!(await fs.isFile(spec.script))) throw new SUP_ERR_SCRIPT_NOT_FOUND(spec.script)
  if (spec.interpreter !== null) {
    if (!(await fs.isFile(spec.interpreter)) || !(await (fs.isExecutable?.(spec.interpreter) ?? true))) {
      throw new SUP_ERR_NOT_EXECUTABLE('interpreter', spec.interpreter, 'is not an executable file (install it, or give --interpreter the path of one)')
    }
    return
  }
  if (isNodeScript(spec.script, stripsTypes)) return
  if (await (fs.isExecutable?.(spec.script) ?? true)) return
  if (isTypeScript(spec.script)) {
    throw new SUP_ERR_NOT_EXECUTABLE('script', spec.script, `is TypeScript, which node ${process.version} does not run (Node 22.18+ does: run \`sup start\` with it, or give --interpreter tsx)`)
  }
  throw new SUP_ERR_NOT_EXECUTABLE('script', spec.script, 'has no execute permission (chmod +x it, or give --interpreter)')
}
