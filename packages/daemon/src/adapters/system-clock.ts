// The real Clock: monotonic performance.now() for durations and timers, Date.now() only for records.
import type { Clock } from '../core/ports.ts'

/** setTimeout fires at once (with a warning) beyond this; longer delays are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1

/** The production clock; timers are unref'd because the daemon is kept alive by its server, not by pending timers. */
export function createSystemClock (): Clock {
  const now = (): number => performance.now()
  return {
    now,
    wallNow: () => Date.now(),
    setTimer (ms, fn) {
      const due = now() + Math.max(0, ms)
      let timer: NodeJS.Timeout
      // node counts a timeout from its loop's cached time, in whole ms: it can fire a little before `due` by
      // performance.now(). Then, as beyond setTimeout's cap, it is armed again for what is left: never early.
      const fire = (): void => { if (now() < due) arm(); else fn() }
      const arm = (): void => {
        timer = setTimeout(fire, Math.min(Math.max(0, due - now()), MAX_TIMEOUT_MS))
        timer.unref()
      }
      arm()
      return () => { clearTimeout(timer) }
    }
  }
}
