// Runs the built `sup` CLI against a fresh SUP_HOME and cleans up every daemon and worker it left, by pid.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { onTestFinished } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { isAlive, killPid, markedPids, pidsWithHome } from './procs.ts'
import { waitFor } from './wait.ts'

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const SUP_BIN = `${REPO_ROOT}packages/cli/bin/sup.js`
export const DAEMON_BIN = `${REPO_ROOT}packages/daemon/bin/sup-daemon.js`
export const EXAMPLES = `${REPO_ROOT}examples`
export const FIXTURES = `${REPO_ROOT}test/fixtures`

export interface SupResult { code: number; stdout: string; stderr: string }

/** Runs `sup <args>` with SUP_HOME=home; never rejects on a non-zero exit. */
export function runSup (home: string, args: readonly string[], opts: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<SupResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SUP_BIN, ...args], {
      env: { ...process.env, SUP_HOME: home, NO_COLOR: '1', ...opts.env },
      timeout: opts.timeoutMs ?? 30_000,
      cwd: opts.cwd ?? REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024
    }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

/** `sup ... --json` parsed; throws with stderr when the command failed. */
export async function supJson<T = unknown> (home: string, args: readonly string[]): Promise<T> {
  const r = await runSup(home, [...args, '--json'])
  if (r.code !== 0) throw new Error(`sup ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

export function daemonPid (home: string): number | null {
  return pidFrom(`${home}/sup.pid`)
}

/** The pid of the home's sup-logd (the log collector), when it runs. */
export function logdPid (home: string): number | null {
  return pidFrom(`${home}/logd.pid`)
}

function pidFrom (path: string): number | null {
  if (!existsSync(path)) return null
  const pid = Number(readFileSync(path, 'utf8').trim())
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null
}

/** Kills the daemon of `home` and every worker process carrying its marker, by pid. */
export async function cleanupHome (home: string): Promise<void> {
  const pid = daemonPid(home)
  if (pid !== null) killPid(pid, 'SIGKILL')
  const logd = logdPid(home)
  if (logd !== null) killPid(logd, 'SIGKILL')
  // A sup-logd spawned a moment ago may not have written logd.pid yet: find it by its SUP_HOME, and look again until
  // none is left (a process can spawn one between a scan and its own kill; left alone, it re-creates the home)
  for (let i = 0; i < 10; i++) {
    const left = pidsWithHome(home)
    if (left.length === 0) break
    for (const p of left) killPid(p, 'SIGKILL')
    await waitFor(() => left.every((p) => !isAlive(p)), { timeoutMs: 1_000, what: "the home's processes to die" }).catch(() => undefined)
  }
  for (let i = 0; i < 3; i++) {
    for (const p of markedPids(home)) { try { process.kill(-p, 'SIGKILL') } catch { /* not a leader */ } killPid(p) }
    await waitFor(() => markedPids(home).length === 0, { timeoutMs: 2_000, what: 'workers to die' }).catch(() => undefined)
  }
}

/** A fresh SUP_HOME for one test; its daemon and workers are killed when the test ends. */
export function useSupHome (): string {
  const home = mkdtempSync('/tmp/suph-')
  onTestFinished(async () => {
    await cleanupHome(home)
    rmSync(home, { recursive: true, force: true })
  })
  return home
}
