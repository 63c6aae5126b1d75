// The daemon's side of the start handoff: a CLI that never needed the daemon it spawned says so, and is heard only
// while the API is not open (before that no other command can have used this daemon).
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { HandoffChannel } from '../../src/adapters/start-handoff.ts'
import { serveHandoff } from '../../src/handoff-service.ts'

/** A handoff whose request line is given by the test, when it wants. */
function channel (): HandoffChannel & { give (line: string | null): void } {
  let give: (line: string | null) => void = () => undefined
  const request = new Promise<string | null>((resolve) => { give = resolve })
  return { request, send () {}, give: (line) => { give(line) } }
}

const UNUSED = JSON.stringify({ unused: '`sup start a.js -i 4` ended (exit code 1) without needing a daemon' })

describe('serveHandoff', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  function serve (c: HandoffChannel): { notNeeded: string[]; opened: () => boolean } {
    const notNeeded: string[] = []
    let isOpen = false
    void serveHandoff(c, {
      createApp: () => Promise.reject(new Error('no start in these tests')),
      health: () => { throw new Error('no health in these tests') },
      log: pino({ level: 'silent' }),
      notNeeded: (why) => { notNeeded.push(why) }
    }).then(() => { isOpen = true })
    return { notNeeded, opened: () => isOpen }
  }

  it('a CLI that did not need the daemon: told, and the API may open at once', async () => {
    const c = channel()
    const s = serve(c)
    c.give(UNUSED)
    await vi.advanceTimersByTimeAsync(0)
    expect(s.notNeeded).toEqual(['`sup start a.js -i 4` ended (exit code 1) without needing a daemon'])
    expect(s.opened()).toBe(true)
  })

  it('said after the API opened (no request within 2 s): not heard, another command may use the daemon by then', async () => {
    const c = channel()
    const s = serve(c)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(s.opened()).toBe(true)
    c.give(UNUSED)
    await vi.advanceTimersByTimeAsync(0)
    expect(s.notNeeded).toEqual([])
  })

  it('a handoff closed without a line is no such word', async () => {
    const c = channel()
    const s = serve(c)
    c.give(null)
    await vi.advanceTimersByTimeAsync(0)
    expect(s.opened()).toBe(true)
    expect(s.notNeeded).toEqual([])
  })
})
