// One daemon per SUP_HOME (adapters/home-lock.ts), when two start in the same millisecond: SQLite refuses one of them
// at once and the other takes the lock. With no wait at all each refused the other and both exited in about half of
// such races (19 of 40 pairs of new processes), leaving no daemon.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { fixture, tempDir } from './adapter-support.ts'

const ROUNDS = 6
/** How far ahead of its spawn a racer is told to try: it has loaded better-sqlite3 by then (~0.2 s; a late one only races less). */
const LEAD_MS = 700

/** Starts a racer on `path`; `outcome` is what it printed, and it holds what it took until `end()`. */
function racer (path: string, start: number): { outcome: Promise<string>; end: () => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('home-lock-racer.ts'), path, String(start)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = once(child, 'exit')
  let out = ''
  const outcome = new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; if (out.includes('\n')) resolve(out.trim()) })
    child.once('error', reject)
    exited.then(() => { reject(new Error(`the racer exited before it said how it did: ${JSON.stringify(out)}`)) }, reject)
  })
  return { outcome, end: async () => { child.stdin.end(); await exited } }
}

describe('home lock', () => {
  it('two new daemons taking it in the same millisecond: exactly one gets it, every time', async () => {
    const dir = tempDir()
    const rounds: string[][] = []
    for (let r = 0; r < ROUNDS; r++) { // each pair is two new processes: both on their first, slowest call
      const start = Date.now() + LEAD_MS
      const pair = [racer(`${dir}/${r}.lock`, start), racer(`${dir}/${r}.lock`, start)]
      try {
        rounds.push((await Promise.all(pair.map((p) => p.outcome))).sort())
      } finally {
        await Promise.all(pair.map((p) => p.end())) // the winner held its lock until both had said how they did
      }
    }
    expect(rounds).toEqual(Array.from({ length: ROUNDS }, () => ['acquired', 'busy']))
  }, 30_000)
})
