// `sup list` on bin.ts's short path: the same context and the same action as the program's `list` command.
import { action, createContext } from './context.ts'
import { listApps } from './commands/list.ts'

/** Runs `sup list [--json]` (args as isPlainList accepted them). */
export async function runPlainList (args: readonly string[]): Promise<void> {
  const ctx = createContext()
  await action(ctx, async (opts: { json: boolean }) => { await listApps(ctx, opts) })({ json: args.includes('--json') })
}
