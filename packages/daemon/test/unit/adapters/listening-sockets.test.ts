// /proc/net/tcp and tcp6 LISTEN lines read into addresses and ports.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { addressText, parseListeners, readListenLines, readUpstreamHosts } from '../../../src/adapters/listening-sockets.ts'

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F40 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 41003 1 0000000000000000 20 4 30 10 -1
   3: 0500000A:1F47 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41004 1 0000000000000000 100 0 0 10 0
`
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0BB9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 42001 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F41 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 42002 1 0000000000000000 100 0 0 10 0
   2: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 42003 1 0000000000000000 100 0 0 10 0
`

describe('parseListeners', () => {
  it('keeps the sockets in LISTEN, by inode, with their address and port', () => {
    expect([...parseListeners(TCP)]).toEqual([
      ['41001', { address: '0.0.0.0', port: 3000 }],
      ['41002', { address: '127.0.0.1', port: 8000 }],
      ['41004', { address: '10.0.0.5', port: 8007 }]
    ])
    expect([...parseListeners(TCP6)]).toEqual([
      ['42001', { address: '::', port: 3001 }],
      ['42002', { address: '::1', port: 8001 }],
      ['42003', { address: '2001:db8::1', port: 80 }]
    ])
  })

  it('reads nothing from an empty or foreign text', () => {
    expect(parseListeners('').size).toBe(0)
    expect(parseListeners('not a table\n').size).toBe(0)
  })
})

describe('addressText', () => {
  it('turns each little-endian word into the address', () => {
    expect(addressText('0100007F')).toBe('127.0.0.1')
    expect(addressText('00000000000000000000000001000000')).toBe('::1')
    expect(addressText('0000000000000000FFFF00000100007F')).toBe('::ffff:7f00:1')
    expect(addressText('B80D0120000000000000000001000000')).toBe('2001:db8::1')
  })
})

describe('readUpstreamHosts', () => {
  /** A server listening on `host` at a port the kernel picks. */
  async function listening (host: string): Promise<number> {
    const server: Server = createServer()
    await new Promise<void>((resolve) => server.listen(0, host, resolve))
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const address = server.address()
    return typeof address === 'object' && address !== null ? address.port : 0
  }

  it("reads this host's listeners: [::1] for a port on ::1 only, 127.0.0.1 for the others", async () => {
    const v6only = await listening('::1')
    const any = await listening('0.0.0.0')
    const hostOf = readUpstreamHosts()
    expect(hostOf(v6only)).toBe('[::1]')
    expect(hostOf(any)).toBe('127.0.0.1')
  })
})

describe('readListenLines', () => {
  const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
  const row = (sl: number, local: string, remote: string, st: string, inode: number): string =>
    `   ${sl}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`

  it('reads the header and the LISTEN lines, which the kernel lists first, and stops at the first connection', () => {
    const listen = [row(0, '0100007F:1F90', '00000000:0000', '0A', 101), row(1, '00000000:1F91', '00000000:0000', '0A', 102)]
    // a LISTEN line after a connection never comes from the kernel: read, it would show the read went on
    const rest = [row(2, '0100007F:1F90', '0100007F:A000', '01', 103), ...Array.from({ length: 500 }, (_, i) => row(3 + i, '0100007F:1F90', '0100007F:B000', '06', 0)), row(503, '0100007F:2000', '00000000:0000', '0A', 104)]
    const dir = mkdtempSync(join(tmpdir(), 'sup-listen-'))
    onTestFinished(() => { rmSync(dir, { recursive: true, force: true }) })
    const path = join(dir, 'tcp')
    writeFileSync(path, `${[HEADER, ...listen, ...rest].join('\n')}\n`)
    for (const chunk of [7, 64, 65_536]) {
      const text = readListenLines(path, chunk)
      expect(text).toBe(`${[HEADER, ...listen].join('\n')}\n`)
      expect([...parseListeners(text).keys()]).toEqual(['101', '102'])
    }
    expect(readListenLines(join(dir, 'none'))).toBe('')
  })

  it('reads a table of LISTEN lines only to its end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sup-listen-'))
    onTestFinished(() => { rmSync(dir, { recursive: true, force: true }) })
    const text = `${[HEADER, row(0, '0100007F:1F90', '00000000:0000', '0A', 101)].join('\n')}\n`
    writeFileSync(join(dir, 'tcp'), text)
    expect(readListenLines(join(dir, 'tcp'), 5)).toBe(text)
  })
})
