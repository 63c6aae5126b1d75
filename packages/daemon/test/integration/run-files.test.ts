// A daemon's exit removes sup.sock and sup.pid only while they are its own: a home deleted under a running daemon
// gets a new daemon, whose socket the old one's exit must leave alone.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { removeRunFiles } from '../../src/daemon-state.ts'

describe('removeRunFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sup-run-files-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const config = { socketPath: join(dir, 'sup.sock'), pidPath: join(dir, 'sup.pid') }
  const place = (pid: number): void => { writeFileSync(config.socketPath, ''); writeFileSync(config.pidPath, `${pid}\n`) }

  it("leaves another daemon's socket and pid file", () => {
    place(4242)
    removeRunFiles(config, 1717)
    expect([existsSync(config.socketPath), existsSync(config.pidPath)]).toEqual([true, true])
  })

  it('removes its own', () => {
    place(1717)
    removeRunFiles(config, 1717)
    expect([existsSync(config.socketPath), existsSync(config.pidPath)]).toEqual([false, false])
  })

  it('does nothing when sup.pid is gone', () => {
    rmSync(config.pidPath, { force: true })
    writeFileSync(config.socketPath, '')
    removeRunFiles(config, 1717)
    expect(existsSync(config.socketPath)).toBe(true)
  })
})
