// `<app|all>` for stop, restart and delete: one app, or each app the daemon has, with failures reported per app.
import type { SupClient } from '@sup/client'
import type { CliContext } from './context.ts'
import { prefixError } from './errors.ts'

/** The apps a target names: `all` is every app the daemon knows. */
export async function appNames (client: SupClient, target: string): Promise<string[]> {
  if (target !== 'all') return [target]
  const { apps } = await client.listApps()
  return apps.map((app) => app.name)
}

/** Runs `fn` on each app (at once, or one after the other); failures are printed and make the exit code 1. */
export async function forEachApp<T> (ctx: CliContext, names: readonly string[], fn: (name: string) => Promise<T>, parallel: boolean): Promise<T[]> {
  const settled: PromiseSettledResult<T>[] = []
  if (parallel) settled.push(...await Promise.allSettled(names.map(fn)))
  else for (const name of names) settled.push(...await Promise.allSettled([fn(name)]))
  const done: T[] = []
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled') done.push(result.value)
    else ctx.fail(prefixError(result.reason, `app '${names[i] ?? '?'}'`))
  })
  return done
}
