// The /proc reader against real processes: start times, markers, zombies, odd process names.
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it, expect } from 'vitest'
import { adoptProcess, createLifeWatch, pidExists } from '../../src/adapters/adopted-process.ts'
import { createProcTable, isAliveNotZombie, listMarkedPids } from '../../src/adapters/proc-table.ts'
import { killOnFinish, readText, statField, tempDir, uniqueMarker } from './adapter-support.ts'

const KEEP_ALIVE = ['-e', 'setInterval(() => {}, 1000)']

/** A plain child carrying SUP_MARKER=marker (not through the spawner), killed when the test ends. */
function startMarked (marker: string, command = process.execPath, args = KEEP_ALIVE): number {
  const child = spawn(command, args, { stdio: 'ignore', env: { SOME_VAR: 'x', SUP_MARKER: marker, OTHER: 'y' } })
  killOnFinish(marker, () => [child.pid])
  if (child.pid === undefined) throw new Error('spawn failed')
  return child.pid
}

/** A zombie nobody reaps for 30 s: perl (unlike node or sh) never reaps a child it does not wait for. */
async function startZombie (marker: string): Promise<{ parent: ChildProcess; zombie: number }> {
  const parent = spawn('perl', ['-e', '$| = 1; my $pid = fork(); exit 0 unless $pid; print "$pid\\n"; sleep 30'],
    { stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SUP_MARKER: marker } })
  killOnFinish(marker, () => [parent.pid])
  let out = ''
  parent.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  await expect.poll(() => out).toMatch(/^\d+\n/)
  const zombie = Number(out.trim())
  await expect.poll(() => statField(zombie, 3)).toBe('Z')
  return { parent, zombie }
}

describe('proc table', () => {
  it('reads a stable start time for a live pid, equal to field 22 of /proc/<pid>/stat', () => {
    const procs = createProcTable()
    const first = procs.startTime(process.pid)
    expect(first).toBeTypeOf('number')
    expect(first).toBeGreaterThan(0)
    expect(procs.startTime(process.pid)).toBe(first)
    expect(String(first)).toBe(statField(process.pid, 22))
  })

  it('returns null for a pid that does not exist, and for one that has exited', async () => {
    const procs = createProcTable()
    expect(procs.startTime(2 ** 30)).toBeNull()
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    await new Promise((resolve) => child.once('exit', resolve))
    expect(procs.startTime(child.pid ?? -1)).toBeNull()
    expect(isAliveNotZombie(child.pid ?? -1)).toBe(false)
  })

  it('parses a process name with spaces and parentheses', async () => {
    const dir = tempDir()
    const odd = join(dir, 'we(ir) d) x')
    copyFileSync('/bin/sleep', odd)
    const marker = uniqueMarker('odd')
    const pid = startMarked(marker, odd, ['30'])
    await expect.poll(() => readText(`/proc/${pid}/stat`)).toContain('(we(ir) d) x)')
    const expected = Number(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ').at(-1)?.split(' ')[19])
    expect(createProcTable().startTime(pid)).toBe(expected)
  })

  it('finds marked processes by prefix, with their full marker', async () => {
    const prefix = uniqueMarker('home')
    const a = startMarked(`${prefix}:api:0`)
    const b = startMarked(`${prefix}:web:1`)
    startMarked(`${prefix}x:other:0`) // a longer prefix that only starts the same
    const procs = createProcTable()
    await expect.poll(() => procs.findMarked(`${prefix}:`).sort((x, y) => x.pid - y.pid))
      .toEqual([{ pid: a, marker: `${prefix}:api:0` }, { pid: b, marker: `${prefix}:web:1` }].sort((x, y) => x.pid - y.pid))
    expect(listMarkedPids(`${prefix}:api:0`)).toEqual([a])
    expect(listMarkedPids(`${prefix}:api`)).toEqual([]) // exact match only
  })

  it('ignores a variable that merely ends in SUP_MARKER', async () => {
    const marker = uniqueMarker('suffix')
    const child = spawn(process.execPath, KEEP_ALIVE, { stdio: 'ignore', env: { NOT_SUP_MARKER: marker } })
    killOnFinish(marker, () => [child.pid])
    await expect.poll(() => readText(`/proc/${child.pid}/environ`)).toContain(marker)
    expect(createProcTable().findMarked(marker)).toEqual([])
  })

  it('treats a zombie as gone', async () => {
    const marker = uniqueMarker('zombie')
    const { parent, zombie } = await startZombie(marker)
    expect(createProcTable().startTime(zombie)).toBeNull()
    expect(isAliveNotZombie(zombie)).toBe(false)
    expect(listMarkedPids(marker)).toEqual([parent.pid])
  })

  it('an adopted worker that is a zombie nobody reaps (its pid still answers kill 0) is gone at the next start-time read', async () => {
    const marker = uniqueMarker('adopted-zombie')
    const { zombie } = await startZombie(marker)
    expect(pidExists(zombie)).toBe(true) // the cheap check alone would wait for it forever
    const adopted = adoptProcess(zombie, marker, Number(statField(zombie, 22)), createLifeWatch(100))
    const t0 = performance.now()
    expect(await adopted.exited).toEqual({ code: null, signal: null })
    expect(performance.now() - t0).toBeLessThan(5_000) // a start-time read comes every second; its parent reaps it only after 30 s
  })
})
