// Following logs across a daemon restart: the cursor opens the stream again where each worker was, no line twice.
import { describe, expect, it } from 'vitest'
import type { LogRecord } from '@sup/protocol'
import { createPalette } from '../../src/render/format.ts'
import { createLogCursor, followAgain, waitForDaemon } from '../../src/follow-resume.ts'

const rec = (app: string, instance: number, time: number, line: string): LogRecord => ({ app, instance, time, stream: 'out', line })

describe('createLogCursor', () => {
  it('skips what was shown (older records, and those at the last time up to the count shown), keeps the rest', () => {
    const cursor = createLogCursor(10_000)
    for (const r of [rec('a', 0, 10_100, 'x'), rec('a', 0, 10_200, 'same'), rec('a', 0, 10_200, 'same'), rec('b', 0, 10_150, 'y')]) cursor.shown(r)
    expect(cursor.since()).toBe(10_000)
    cursor.resume()
    const again = [
      rec('a', 0, 10_100, 'x'), rec('a', 0, 10_200, 'same'), rec('a', 0, 10_200, 'same'), rec('a', 0, 10_200, 'same'), rec('a', 0, 10_300, 'new'),
      rec('b', 0, 10_150, 'y'), rec('b', 0, 10_160, 'later'), rec('c', 0, 10_050, 'a new worker')
    ]
    expect(again.filter((r) => cursor.isNew(r)).map((r) => `${r.app} ${r.time} ${r.line}`))
      .toEqual(['a 10200 same', 'a 10300 new', 'b 10160 later', 'c 10050 a new worker'])
  })

  it('opens again from the earliest worker, not from an old backlog', () => {
    const cursor = createLogCursor(100_000)
    cursor.shown(rec('old', 0, 1_000, 'the backlog of a quiet worker'))
    cursor.shown(rec('busy', 0, 100_400, 'followed'))
    expect(cursor.since()).toBe(95_000)
    const fresh = createLogCursor(100_000)
    fresh.shown(rec('busy', 0, 99_000, 'read by sup-logd just before the follow began'))
    expect(fresh.since()).toBe(99_000)
  })
})

describe('waitForDaemon', () => {
  it('is true once the daemon answers, false when none does in time or on abort', async () => {
    let calls = 0
    const upOnThird = { health: async () => { if (++calls < 3) throw new Error('down'); return {} as never } }
    expect(await waitForDaemon(upOnThird, new AbortController().signal, 5_000)).toBe(true)
    expect(calls).toBe(3)
    const never = { health: async () => { throw new Error('down') } }
    expect(await waitForDaemon(never, new AbortController().signal, 300)).toBe(false)
    const ac = new AbortController()
    ac.abort()
    expect(await waitForDaemon(never, ac.signal, 5_000)).toBe(false)
  })
})

describe('followAgain', () => {
  const down = { health: async () => { throw new Error('down') } }
  it('says the daemon went away, and is true once one answers', async () => {
    const warned: string[] = []
    const ctx = { warn: (l: string | readonly string[]) => { warned.push(String(l)) }, colors: createPalette(false) }
    expect(await followAgain(ctx, { health: async () => ({}) as never }, new AbortController().signal, 'log')).toBe(true)
    expect(warned).toEqual(['sup: the daemon went away; following again once one answers (up to 15 s)'])
  })

  it('ends the follow with SUP_ERR_STREAM_ENDED when none comes back, quietly when it was stopped', async () => {
    const ctx = { warn: () => undefined, colors: createPalette(false) }
    await expect(followAgain(ctx, down, new AbortController().signal, 'event', 200)).rejects.toMatchObject({ code: 'SUP_ERR_STREAM_ENDED', message: 'the daemon ended the event stream' })
    const stopped = new AbortController()
    stopped.abort()
    expect(await followAgain(ctx, down, stopped.signal, 'log', 200)).toBe(false)
  })
})
