// `sup list` on bin/sup.js's short path (bundle/list.cjs): the same context and the same action as the program's
// `list` command, without commander, the other commands' code or the ESM loader.
import { action, createContext } from './context.ts'
import { listApps } from './commands/list.ts'
import { exitQuietlyOnEpipe } from './stdout-epipe.ts'

/** Runs `sup list [--json]` (args as isPlainList accepted them). */
export async function runPlainList (args: readonly string[]): Promise<void> {
  exitQuietlyOnEpipe()
  const ctx = createContext()
  await action(ctx, async (opts: { json: boolean }) => { await listApps(ctx, opts) })({ json: args.includes('--json') })
}
