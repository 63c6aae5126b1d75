// /proc/net/tcp parsing for a reload's "nginx let go of the old workers" wait.
import { describe, expect, it } from 'vitest'
import { clientInodes, parseActivity } from '../../../src/adapters/port-connections.ts'

// 8001 = 0x1F41; 40000 = 0x9C40
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F41 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0
   1: 0100007F:1F41 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1
   2: 0100007F:9C40 0100007F:1F41 01 00000000:00000000 00:00000000 00000000     0        0 333 1 0 20 4 30 10 -1
   3: 0100007F:9C41 0100007F:1F41 06 00000000:00000000 03:00000F8F 00000000     0        0 0 3 0
   4: 0100007F:1F42 0100007F:9C42 01 00000000:00000000 00:00000000 00000000     0        0 444 1 0 20 4 30 10 -1
`

describe('parseActivity', () => {
  it('counts live connections at either end of a port, not its listener nor TIME_WAIT; keys every connection seen', () => {
    const a = parseActivity(TCP, new Set([8001]))
    expect(a.open).toBe(2)
    expect(a.keys.size).toBe(3)
    expect(parseActivity(TCP, new Set([9999]))).toEqual({ open: 0, keys: new Set() })
  })
})

describe('clientInodes', () => {
  it("finds the inodes of the client side of a port's connections (nginx's upstream sockets)", () => {
    expect([...clientInodes(TCP, new Set([8001]))]).toEqual(['333'])
  })
})
