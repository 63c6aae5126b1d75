// The daemon's end of the start handoff (adapters/start-handoff.ts): one line is the request; more than the limit, or
// an fd that is no socket or pipe (`--handoff` given by hand), is no request at all, and the daemon starts as usual.
import { execFileSync } from 'node:child_process'
import { closeSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { openHandoff } from '../../src/adapters/start-handoff.ts'
import { tmpDir } from '@sup/test-support'

/** A FIFO opened read-write (so it has a reader and a writer) and a second write end for the test. */
function fifo (): { readFd: number; write: (text: string) => void } {
  const path = join(tmpDir('sup-handoff-'), 'pipe')
  execFileSync('mkfifo', [path])
  const readFd = openSync(path, 'r+')
  const writeFd = openSync(path, 'w')
  onTestFinished(() => { closeSync(writeFd) })
  return { readFd, write: (text) => { writeSync(writeFd, text) } }
}

describe('the handoff channel', () => {
  it('reads one line, whatever comes after it', async () => {
    const p = fifo()
    const channel = openHandoff(p.readFd)
    p.write('{"version":"1"')
    p.write(',"wait":true}\nmore')
    expect(await channel.request).toBe('{"version":"1","wait":true}')
  })

  it('is no request when the line is longer than the limit', async () => {
    const p = fifo()
    const channel = openHandoff(p.readFd, 16)
    p.write(`${'x'.repeat(40)}\n`)
    expect(await channel.request).toBeNull()
  })

  it('is no request when the fd is a regular file (the daemon does not fail)', async () => {
    const fd = openSync(join(tmpDir('sup-handoff-'), 'file'), 'w+')
    onTestFinished(() => { closeSync(fd) })
    const channel = openHandoff(fd)
    expect(await channel.request).toBeNull()
    expect(() => { channel.send({ taken: true }, true) }).not.toThrow()
  })
})
