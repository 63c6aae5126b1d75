// A fake SupClient (home /h) whose one method plays a script of answers, then the last one forever; an Error in the
// script is thrown. `answers` is read at each call, so a test may push to it while the code under test polls.
import type { SupClient } from '@sup/client'

export function scriptedClient<T> (method: 'health' | 'shutdown', answers: readonly (T | Error)[]): SupClient & { calls: number } {
  const c = {
    home: '/h',
    target: '/h/sup.sock',
    calls: 0,
    [method]: async () => {
      const a = answers[Math.min(c.calls++, answers.length - 1)]
      if (a instanceof Error) throw a
      return a
    }
  }
  return c as unknown as SupClient & { calls: number }
}
