// followLog on real files: new lines as written, rotation (rename + new file), truncation, abort, no leaked handles.
import { appendFileSync, renameSync, truncateSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { tmpDir, waitFor } from '@sup/test-support'
import { followLog, type FollowOptions } from '../../../src/logs/log-follow.ts'
import { readTail } from '../../../src/logs/log-reader.ts'
import type { LogLine } from '../../../src/logs/log-lines.ts'
import { appendNumbered, openFds, record, T0 } from './support.ts'

/** Runs a follower in the background; `lines` fills as it yields. Aborted (and awaited) when the test ends. */
function follow (path: string, opts: Partial<FollowOptions> = {}) {
  const ac = new AbortController()
  const got: LogLine[] = []
  const done = (async () => { for await (const l of followLog(path, { signal: ac.signal, intervalMs: 10, ...opts })) got.push(l) })()
  const stop = async (): Promise<void> => { ac.abort(); await done }
  onTestFinished(stop)
  return { texts: () => got.map((l) => l.line.toString()), got, stop }
}

const numbered = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `line ${from + i}`)

describe('followLog', () => {
  it('yields lines appended after it started (from the end by default)', async () => {
    const path = join(tmpDir(), 'api-0.log')
    appendNumbered(path, 0, 5)
    const f = follow(path)
    await new Promise((resolve) => setTimeout(resolve, 50))
    appendNumbered(path, 5, 3)
    await waitFor(() => f.got.length === 3)
    expect(f.texts()).toEqual(numbered(5, 8))
  })

  it('waits for a file that does not exist yet, then reads it from its start', async () => {
    const path = join(tmpDir(), 'api-0.log')
    const f = follow(path)
    await new Promise((resolve) => setTimeout(resolve, 30))
    appendNumbered(path, 0, 2)
    await waitFor(() => f.got.length === 2)
    expect(f.texts()).toEqual(numbered(0, 2))
  })

  it('holds a record until its newline arrives, and joins continuations', async () => {
    const path = join(tmpDir(), 'api-0.log')
    const f = follow(path, { from: 'start' })
    const r = record(T0, 'out>', 'hello ')
    appendFileSync(path, r.subarray(0, 10))
    await new Promise((resolve) => setTimeout(resolve, 40))
    appendFileSync(path, r.subarray(10))
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(f.got).toEqual([])
    appendFileSync(path, record(T0 + 5, 'out', 'world'))
    await waitFor(() => f.got.length === 1)
    expect(f.got[0]).toMatchObject({ time: T0 + 5, stream: 'out' })
    expect(f.texts()).toEqual(['hello world'])
  })

  it('finishes the renamed file, then reads the new one from 0 (rotation), losing and repeating nothing', async () => {
    const path = join(tmpDir(), 'api-0.log')
    appendNumbered(path, 0, 2)
    const f = follow(path, { from: 'start', intervalMs: 50 })
    appendNumbered(path, 2, 3)
    await waitFor(() => f.got.length === 5)
    appendNumbered(path, 5, 4) // written just before the rotation: the follower has not read it yet
    renameSync(path, `${path}.1`)
    appendNumbered(path, 9, 2)
    await waitFor(() => f.got.length === 11)
    expect(f.texts()).toEqual(numbered(0, 11))
    for (let round = 0; round < 3; round++) { // more rotations, quickly
      renameSync(`${path}.1`, `${path}.2`)
      renameSync(path, `${path}.1`)
      appendNumbered(path, 11 + round * 2, 2)
      await waitFor(() => f.got.length === 13 + round * 2)
    }
    expect(f.texts()).toEqual(numbered(0, 17))
  })

  it('starts from a readTail position even when the file was rotated in between', async () => {
    const path = join(tmpDir(), 'api-0.log')
    appendNumbered(path, 0, 5)
    const tail = await readTail(path, 2)
    appendNumbered(path, 5, 2)
    renameSync(path, `${path}.1`)
    appendNumbered(path, 7, 2)
    const f = follow(path, { from: tail.position ?? 'start' })
    await waitFor(() => f.got.length === 4)
    expect([...tail.lines.map((l) => l.line.toString()), ...f.texts()]).toEqual(numbered(3, 9))
  })

  it('starts over when the file is truncated in place', async () => {
    const path = join(tmpDir(), 'api-0.log')
    appendNumbered(path, 0, 5)
    const f = follow(path)
    await new Promise((resolve) => setTimeout(resolve, 30))
    truncateSync(path, 0)
    await new Promise((resolve) => setTimeout(resolve, 30))
    appendNumbered(path, 100, 1)
    await waitFor(() => f.got.length === 1)
    expect(f.texts()).toEqual(['line 100'])
  })

  it('applies the filter', async () => {
    const path = join(tmpDir(), 'api-0.log')
    const f = follow(path, { from: 'start', filter: { stream: 'err' } })
    appendFileSync(path, Buffer.concat([record(T0, 'out', 'o'), record(T0, 'err', 'e'), record(T0, 'sup', 's'), record(T0, 'err', 'e2')]))
    await waitFor(() => f.got.length === 2)
    expect(f.texts()).toEqual(['e', 'e2'])
  })

  it('ends on abort, while waiting or while reading, and leaves no file handle or timer behind', async () => {
    const path = join(tmpDir(), 'api-0.log')
    appendNumbered(path, 0, 10)
    const fds = openFds()
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const timersBefore = timers()
    const f = follow(path, { from: 'start', intervalMs: 60_000 })
    await waitFor(() => f.got.length === 10)
    expect(openFds()).toBe(fds + 1)
    const started = performance.now()
    await f.stop()
    // woken by the abort, not by its 60 s poll (a bound far below that: a busy CI box is no failure)
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(openFds()).toBe(fds)
    expect(timers()).toBe(timersBefore)

    // A consumer that stops pulling (break) closes the file too.
    const ac = new AbortController()
    for await (const _line of followLog(path, { signal: ac.signal, from: 'start' })) break
    expect(openFds()).toBe(fds)
  })
})
