// `--cron-restart`: scheduled rolling restarts, on the injected clock (long waits are re-checked hourly).
import type { Clock } from '../core/ports.ts'
import { nextCronTime } from '../core/cron.ts'

export interface CronApp { readonly name: string; readonly cron: string }

export interface CronRestartDeps {
  readonly clock: Clock
  /** Apps that want scheduled restarts now (running ones with a cron expression). */
  readonly apps: () => CronApp[]
  /** Time to restart this app; resolves when done (failures are the caller's to record). */
  readonly restart: (app: CronApp) => Promise<void>
  readonly onError: (err: unknown, where: string) => void
}

/** Never wait longer than this in one timer: a wall clock that jumps, or a timer overflow, is caught within it. */
const MAX_WAIT_MS = 3_600_000

interface Armed { cron: string; dueAt: number; cancel: () => void }

/** A scheduler of cron restarts; `sync()` arms and disarms timers as apps come, change and go. */
export function createCronRestarts (deps: CronRestartDeps) {
  const armed = new Map<string, Armed>()

  function arm (app: CronApp, after: number): void {
    let dueAt: number
    try { dueAt = nextCronTime(app.cron, after) } catch (err) { deps.onError(err, `${app.name} cron`); return }
    const wait = (): void => {
      const left = dueAt - deps.clock.wallNow()
      const entry: Armed = { cron: app.cron, dueAt, cancel: () => undefined }
      armed.set(app.name, entry)
      entry.cancel = deps.clock.setTimer(Math.max(0, Math.min(left, MAX_WAIT_MS)), () => {
        if (armed.get(app.name) !== entry) return
        if (deps.clock.wallNow() < dueAt) { wait(); return }
        void deps.restart(app).catch((err: unknown) => deps.onError(err, `${app.name} cron restart`)).finally(() => {
          // The next run after this one (never the same minute twice, even when the restart took no time)
          if (armed.get(app.name) === entry) arm(app, Math.max(dueAt, deps.clock.wallNow()))
        })
      })
    }
    wait()
  }

  return {
    /** Arms a timer for every app that wants one and has none (or a changed expression); disarms the rest. */
    sync (): void {
      const wanted = new Map(deps.apps().map((a) => [a.name, a]))
      for (const [name, a] of armed) {
        if (wanted.get(name)?.cron !== a.cron) { a.cancel(); armed.delete(name) }
      }
      for (const app of wanted.values()) if (!armed.has(app.name)) arm(app, deps.clock.wallNow())
    },
    /** When each app's next scheduled restart is (epoch ms). */
    nextRuns: (): Map<string, number> => new Map([...armed].map(([name, a]) => [name, a.dueAt])),
    stop (): void { for (const a of armed.values()) a.cancel(); armed.clear() }
  }
}
