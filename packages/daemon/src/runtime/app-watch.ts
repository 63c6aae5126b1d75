// `--watch`: a change to an app's files reloads it (again after a running reload, never interleaved).
import type { AppContext } from './app-context.ts'
import type { AppEntry } from './supervisor-types.ts'

export interface AppWatch {
  /** Starts watching the app's files when it asks for it (no-op when it does not, or is watched already). */
  start (e: AppEntry): void
  stop (name: string): void
}

export function createAppWatch (ctx: AppContext, reload: (name: string) => Promise<unknown>): AppWatch {
  const { deps, registry, events, queue } = ctx
  const watchers = new Map<string, () => Promise<void>>()
  return {
    start (e) {
      const name = e.spec.name
      if (e.spec.watch === null || watchers.has(name)) return
      const onChange = (path: string): void => {
        const cur = registry.get(name)
        if (cur === undefined || cur.desired !== 'running') return
        if (queue.isRollingOut(name)) { deps.clock.setTimer(500, () => onChange(path)); return }
        events.appEvent(name, 'watch', `${path} changed: reloading`, { path })
        reload(name).catch((err: unknown) => events.appEvent(name, 'watch-reload-failed', err instanceof Error ? err.message : String(err), { path }))
      }
      const onReady = (): void => events.appEvent(name, 'watching', `watching ${(e.spec.watch ?? []).join(', ')} for changes`, { paths: [...(e.spec.watch ?? [])] })
      try { watchers.set(name, deps.watchApp(e.spec, onChange, onReady)) } catch (err) { deps.onError(err, `${name} watch`) }
    },
    stop (name) {
      const close = watchers.get(name)
      watchers.delete(name)
      if (close !== undefined) void close().catch(() => undefined)
    }
  }
}
