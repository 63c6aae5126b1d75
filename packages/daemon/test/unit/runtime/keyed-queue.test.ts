// KeyedQueue: jobs on one key run one at a time in order; different keys do not wait for each other.
import { describe, expect, it } from 'vitest'
import { createKeyedQueue } from '../../../src/runtime/keyed-queue.ts'
import { flush } from '../../../../../test/support/src/wait.ts'

function gate () {
  let open: () => void = () => undefined
  const opened = new Promise<void>((resolve) => { open = resolve })
  return { open, opened }
}

describe('createKeyedQueue', () => {
  it('runs jobs on one key one at a time, in submission order', async () => {
    const q = createKeyedQueue()
    const log: string[] = []
    const g = gate()
    const a = q.run('api', async () => { log.push('a start'); await g.opened; log.push('a end'); return 'A' })
    const b = q.run('api', async () => { log.push('b'); return 'B' })
    await flush()
    expect(log).toEqual(['a start'])
    g.open()
    expect(await Promise.all([a, b])).toEqual(['A', 'B'])
    expect(log).toEqual(['a start', 'a end', 'b'])
  })

  it('does not make other keys wait', async () => {
    const q = createKeyedQueue()
    const g = gate()
    const slow = q.run('api', async () => { await g.opened; return 1 })
    expect(await q.run('web', async () => 2)).toBe(2)
    g.open()
    expect(await slow).toBe(1)
  })

  it('passes a job failure to its caller and still runs the next job', async () => {
    const q = createKeyedQueue()
    const failed = q.run('api', async () => { throw new Error('boom') })
    const next = q.run('api', async () => 'ok')
    await expect(failed).rejects.toThrow('boom')
    expect(await next).toBe('ok')
  })

  it('turns a synchronous throw into a rejection', async () => {
    const q = createKeyedQueue()
    await expect(q.run('api', () => { throw new Error('sync') })).rejects.toThrow('sync')
    expect(await q.run('api', async () => 3)).toBe(3)
  })
})
