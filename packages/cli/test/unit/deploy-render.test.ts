// `sup deploy`'s progress line (throttled, only past a few MB), releases table, deploy summary, --host and failure output.
import { describe, expect, it } from 'vitest'
import { SupClientError } from '@sup/client'
import { formatError } from '../../src/errors.ts'
import { createPalette } from '../../src/render/format.ts'
import { createProgressLine, formatBytes, PROGRESS_MIN_BYTES } from '../../src/render/progress.ts'
import { renderDeployResult, renderReleases } from '../../src/render/releases.ts'
import { parseHost } from '../../src/remote.ts'

const c = createPalette(false)
const MB = 1_000_000

function progress () {
  let now = 0
  const writes: string[] = []
  const line = createProgressLine({ now: () => now, write: (t) => writes.push(t) })
  return { line, writes, advance: (ms: number) => { now += ms } }
}

describe('createProgressLine', () => {
  it('draws nothing for an upload under the threshold', () => {
    const p = progress()
    for (let sent = 0; sent < PROGRESS_MIN_BYTES; sent += 64 * 1024) { p.line.update(sent); p.advance(50) }
    p.line.done()
    expect(p.writes).toEqual([])
  })

  it('past the threshold, redraws at most every 200 ms however many chunks arrive, then clears the line', () => {
    const p = progress()
    let sent = PROGRESS_MIN_BYTES
    for (let i = 0; i < 1000; i++) { sent += 16 * 1024; p.line.update(sent); p.advance(1) } // 1000 chunks in 1 s
    expect(p.writes).toHaveLength(5) // t = 0, 200, 400, 600, 800
    expect(p.writes[0]).toMatch(/^\r\u001b\[2Kuploading 4\.2 MB$/)
    expect(p.writes.at(-1)).toMatch(/uploading \d+(\.\d)? MB \(\d+(\.\d)? MB\/s\)$/)
    p.line.done()
    expect(p.writes.at(-1)).toBe('\r\u001b[2K')
  })
})

describe('formatBytes', () => {
  it.each([[0, '0 B'], [999, '999 B'], [1500, '1.5 kB'], [340_000, '340 kB'], [1_200_000, '1.2 MB'], [25 * MB, '25 MB'], [3e9, '3.0 GB']])('%d -> %s', (n, text) => {
    expect(formatBytes(n)).toBe(text)
  })
})

const release = (id: string, current: boolean) => ({ id, app: 'hello', user: 'default', sha256: 'abcdef0123456789'.repeat(4), createdAt: new Date(2026, 10, 23, 22, 5, 1).getTime(), size: 1200, unpackedSize: 4000, files: 3, current })

describe('renderReleases / renderDeployResult', () => {
  it('marks the current release and shows time, sizes, files and the sha256 prefix', () => {
    const lines = renderReleases([release('20261123T220501Z-abcdef', true), release('20261123T210000Z-123456', false)], c)
    expect(lines[0]).toMatch(/release\s+time\s+size\s+unpacked\s+files\s+sha256\s+user/)
    expect(lines[1]).toMatch(/^\* {2}20261123T220501Z-abcdef {2}2026-11-23 22:05:01 {2}1\.2 kB {4}4\.0 kB {6}3 {2}abcdef012345 {2}default$/)
    expect(lines[2]).toMatch(/^ {3}20261123T210000Z-123456/)
  })

  it('summarises a deploy: release id, sha256 prefix, size, files, then the workers as `sup list` does', () => {
    const worker = { app: 'hello', instance: 0, state: 'online' as const, pid: 42, port: 8000, restarts: 0, startedAt: 1000, lastExit: null }
    const lines = renderDeployResult('deployed', { release: release('20261123T220501Z-abcdef', true), workers: [worker] }, 6000, c)
    expect(lines[0]).toBe('deployed hello: release 20261123T220501Z-abcdef (sha256 abcdef012345, 1.2 kB, 3 files)')
    expect(lines[1]).toMatch(/^app\s+#\s+pid\s+port\s+state\s+uptime\s+restarts\s+cpu\s+mem$/)
    expect(lines[2]).toMatch(/^hello\s+0\s+42\s+8000\s+online\s+5s\s+0\s+-\s+-$/)
  })

  it('prints the warnings of a partial success (207): the step, its code and why', () => {
    const worker = { app: 'hello', instance: 0, state: 'online' as const, pid: 42, port: 8000, restarts: 0, startedAt: 1000, lastExit: null }
    const warnings = [{ step: 'scale', code: 'SUP_ERR_PORT_EXHAUSTED', message: 'no room for 3 more worker(s)' }]
    const lines = renderDeployResult('deployed', { release: release('20261123T220501Z-abcdef', true), workers: [worker], warnings }, 6000, c)
    expect(lines.at(-1)).toBe('warning: scale did not complete (SUP_ERR_PORT_EXHAUSTED): no room for 3 more worker(s)')
  })
})

describe('failure output', () => {
  it("prints a failed deploy's output lines (made safe for a terminal) between the message and the hint", () => {
    const err = new SupClientError('SUP_ERR_DEPLOY_FAILED', "Deploy of 'hello' failed, the old release keeps serving: 1 new worker(s) did not become ready", {
      statusCode: 422, output: ['starting', 'Error: \u001b[31mboom']
    })
    expect(formatError(err)).toEqual([
      "sup: Deploy of 'hello' failed, the old release keeps serving: 1 new worker(s) did not become ready",
      'output:',
      '  | starting',
      '  | Error: \\e[31mboom',
      'hint: the old release keeps serving: fix what the output above shows, then deploy again'
    ])
  })
})

describe('parseHost', () => {
  it('accepts http URLs and host:port, refuses other schemes and credentials', () => {
    expect(parseHost('http://127.0.0.1:9002/')).toBe('http://127.0.0.1:9002')
    expect(parseHost('127.0.0.1:9002')).toBe('http://127.0.0.1:9002')
    expect(() => parseHost('https://x:1')).toThrow(/only http/)
    expect(() => parseHost('http://u:secret@127.0.0.1:9002')).toThrow(/credentials/)
  })
})
