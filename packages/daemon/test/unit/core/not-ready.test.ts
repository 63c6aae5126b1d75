// What a worker that never got ready on its PORT listened on instead, as its event says it.
import { describe, expect, it } from 'vitest'
import { notReadyWhy } from '../../../src/core/not-ready.ts'

describe('notReadyWhy', () => {
  it('names the ports it listens on instead of its PORT (an app with a port of its own)', () => {
    expect(notReadyWhy(8007, [{ address: '0.0.0.0', port: 3000 }])).toBe(': it listens on 0.0.0.0:3000, not on its PORT 8007 (listen on process.env.PORT)')
    expect(notReadyWhy(8007, [{ address: '::', port: 3000 }, { address: '127.0.0.1', port: 9229 }]))
      .toBe(': it listens on [::]:3000, 127.0.0.1:9229, not on its PORT 8007 (listen on process.env.PORT)')
  })

  it('says so when it listens on no TCP port at all (still starting, or a worker that serves none)', () => {
    expect(notReadyWhy(8007, [])).toBe(': it listens on no TCP port (slow to start: raise --listen-timeout; serves no port: --no-port)')
  })

  it('names an address the check on loopback does not reach', () => {
    expect(notReadyWhy(8007, [{ address: '10.0.0.5', port: 8007 }]))
      .toBe(': it listens on 10.0.0.5:8007, which the check on 127.0.0.1 and ::1 does not reach (listen on 0.0.0.0, :: or 127.0.0.1)')
  })

  it('adds nothing when it is unknown, or when the port is where the check reaches it', () => {
    expect(notReadyWhy(8007, null)).toBe('')
    for (const address of ['0.0.0.0', '::', '127.0.0.1', '::1']) expect(notReadyWhy(8007, [{ address, port: 8007 }])).toBe('')
  })

  it('shows at most four and counts the rest', () => {
    const many = [3000, 3001, 3002, 3003, 3004, 3005].map((port) => ({ address: '0.0.0.0', port }))
    expect(notReadyWhy(8000, many)).toBe(': it listens on 0.0.0.0:3000, 0.0.0.0:3001, 0.0.0.0:3002, 0.0.0.0:3003, and 2 more, not on its PORT 8000 (listen on process.env.PORT)')
  })
})
