// One daemon per SUP_HOME (adapters/home-lock.ts), when two start in the same millisecond: SQLite refuses one of them
// at once and the other takes the lock. With no wait at all each refused the other and both exited in about half of
// such races (19 of 40 pairs of new processes), leaving no daemon.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { CONTENTION_WAIT_MS } from '../../src/adapters/home-lock.ts'
import { fixture, tempDir } from './adapter-support.ts'

const ROUNDS = 6
/** A racer that took the lock holds it this long: past the other's wait, so a late success would show as two winners. */
const HOLD_MS = CONTENTION_WAIT_MS + 150
/** How far ahead of its spawn a racer is told to try: it has loaded better-sqlite3 by then (~0.2 s, more on a busy box). */
const LEAD_MS = 700

/** Runs a racer on `path`; resolves with what it printed. */
function racer (path: string, start: number): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('home-lock-racer.ts'), path, String(start), String(HOLD_MS)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', () => resolve(out.trim()))
  })
}

describe('home lock', () => {
  it('two new daemons taking it in the same millisecond: exactly one gets it, every time', async () => {
    const dir = tempDir()
    const rounds: string[][] = []
    for (let r = 0; r < ROUNDS; r++) { // each pair is two new processes: both on their first, slowest call
      const start = Date.now() + LEAD_MS
      rounds.push((await Promise.all([racer(`${dir}/${r}.lock`, start), racer(`${dir}/${r}.lock`, start)])).sort())
    }
    expect(rounds).toEqual(Array.from({ length: ROUNDS }, () => ['acquired', 'busy']))
  }, 30_000)
})
