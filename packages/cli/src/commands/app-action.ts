// One shape for `sup stop|restart|reload <app|app:i|all|file>`: call the API for one app or worker, or for each app, and print the views.
import type { Command } from 'commander'
import type { AppView } from '@sup/protocol'
import type { SupClient } from '@sup/client'
import { action, type CliContext } from '../context.ts'
import { renderAppList } from '../render/views.ts'
import { finishedNote } from '../start-failure.ts'
import { shellEnvironment } from '../shell-env.ts'
import { appNames, forEachApp, parseAppTarget } from '../targets.ts'

/** What a call may carry: one instance, and (restart, reload with --update-env) the caller's environment. */
export interface ActionOptions { instance?: number; shellEnv?: Record<string, string> }

export interface AppActionSpec {
  readonly verb: string
  readonly description: string
  readonly call: (client: SupClient, app: string, opts: ActionOptions) => Promise<AppView>
  /** `all` runs every app at once (stop) or one after the other (restart, reload). */
  readonly parallel: boolean
  /** Offers --update-env (restart, reload). */
  readonly updatesEnv?: boolean
}

interface Flags { json?: boolean; only?: string; updateEnv?: boolean }

/** A job restarted that ran to its end again (`--restart never|on-failure`) is said to have, as `sup start` says it. */
function sayFinished (ctx: CliContext, views: readonly AppView[]): void {
  const notes = views.map(finishedNote).filter((n): n is string => n !== null)
  if (notes.length > 0) ctx.warn(notes)
}

/** Registers `sup <verb> <app|app:i|all|file> [--only a,b] [--json]`. */
export function registerAppAction (program: Command, ctx: CliContext, spec: AppActionSpec): void {
  const cmd = program
    .command(spec.verb)
    .description(spec.description)
    .argument('<app>', 'app name, app:instance (one worker), all, or a config file (its apps)')
    .option('--only <apps>', 'with a config file: only these apps (comma-separated)')
    .option('--json', 'print the API answer as JSON ({ apps } for several)')
  if (spec.updatesEnv === true) cmd.option('--update-env', "replace the app's stored environment with this shell's")
  cmd.action(action(ctx, async (target: string, opts: Flags) => {
    const client = await ctx.daemon()
    const base: ActionOptions = opts.updateEnv === true ? { shellEnv: shellEnvironment(ctx.env) } : {}
    const names = await appNames(client, target, ctx, opts.only)
    if (names.length === 1 && names[0] === target) {
      const { app, instance } = parseAppTarget(target)
      const view = await spec.call(client, app, instance === undefined ? base : { ...base, instance })
      if (opts.json === true) ctx.json(view)
      else ctx.print(renderAppList([view], Date.now(), ctx.colors))
      sayFinished(ctx, [view])
      return
    }
    const apps = await forEachApp(ctx, names, (name) => spec.call(client, name, base), spec.parallel)
    if (opts.json === true) ctx.json({ apps })
    else if (names.length === 0) ctx.print(ctx.colors.dim(`no apps to ${spec.verb}`))
    else if (apps.length > 0) ctx.print(renderAppList(apps, Date.now(), ctx.colors))
    sayFinished(ctx, apps)
  }))
}
