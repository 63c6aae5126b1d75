// `<app|app:i|all|file>` for stop, restart, reload and delete: one app or worker, each app the daemon has, or a file's apps.
import type { SupClient } from '@sup/client'
import { CONFIG_FILE, readConfigFile } from './config-file.ts'
import type { CliContext } from './context.ts'
import { CliError, prefixError } from './errors.ts'

/** An app, optionally one of its instances (`api:1`). */
export interface AppTarget { readonly app: string; readonly instance?: number }

/** `api` or `api:3`; the instance must be a whole number. */
export function parseAppTarget (text: string): AppTarget {
  const m = /^(.+):(\d{1,6})$/.exec(text)
  if (m !== null) return { app: m[1] ?? '', instance: Number(m[2]) }
  if (/:/.test(text)) throw new CliError(`'${text}' must be <app> or <app>:<instance>`, { hint: 'e.g. sup restart api:1' })
  return { app: text }
}

/** The app name the daemon gives an app without a name: its script's file name without extension (core/app-spec.ts). */
export function defaultAppName (script: string): string {
  const base = script.split('/').pop() ?? 'app'
  const stem = base.replace(/(.)\.[A-Za-z0-9]{1,8}$/, '$1').toLowerCase().replace(/[^a-z0-9._-]/g, '-').replace(/^[^a-z0-9]+/, '')
  return (stem === '' || stem === 'all' ? 'app' : stem).slice(0, 64)
}

/** The apps a target names: `all` is every app the daemon knows, a config file the apps it defines (`--only` picks). */
export async function appNames (client: SupClient, target: string, ctx?: CliContext, only?: string): Promise<string[]> {
  if (CONFIG_FILE.test(target) && ctx !== undefined) {
    const specs = await readConfigFile(target, ctx.cwd, { only, path: ctx.env.PATH })
    return specs.map((s) => s.name ?? defaultAppName(s.script))
  }
  if (only !== undefined) throw new CliError('--only goes with a config file')
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
