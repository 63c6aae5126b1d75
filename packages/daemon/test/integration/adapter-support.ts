// Shared helpers of the adapter integration tests: temp dirs, unique markers, fixture paths, cleanup by pid.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import { listMarkedPids } from '../../src/adapters/proc-table.ts'

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))

export function fixture (name: string): string {
  return join(FIXTURES, name)
}

/** A fresh directory, removed when the test ends. */
export function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'sup-adapters-'))
  onTestFinished(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

/** A marker no other test or process carries. */
export function uniqueMarker (label = 't'): string {
  return `sup-test-${process.pid}-${label}-${Math.random().toString(36).slice(2, 10)}`
}

function killQuietly (pid: number): void {
  try { process.kill(pid, 'SIGKILL') } catch { /* already gone */ }
}

/** SIGKILLs, when the test ends, the given pids' groups and every process carrying the marker. */
export function killOnFinish (marker: string, pids: () => ReadonlyArray<number | undefined> = () => []): void {
  onTestFinished(() => {
    for (const pid of pids()) if (pid !== undefined) { killQuietly(-pid); killQuietly(pid) }
    for (const pid of listMarkedPids(marker)) killQuietly(pid)
  })
}

export function readText (path: string): string {
  try { return readFileSync(path, 'utf8') } catch { return '' }
}

/** Field `n` (1-based, as in proc(5)) of /proc/<pid>/stat, or undefined. */
export function statField (pid: number, n: number): string | undefined {
  const text = readText(`/proc/${pid}/stat`)
  if (text === '') return undefined
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[n - 3]
}
