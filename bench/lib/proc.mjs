// Child processes and /proc: run a command to its exit, read RSS and CPU time, wait for and end pids.
import { execFileSync, spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { now, sleep } from './timing.mjs'

const CLOSE_GRACE_MS = 500

/**
 * Runs `file args` and resolves at its *exit* (not at the close of its pipes: a daemon it
 * starts may inherit them) with { code, signal, stdout, stderr, ms }. Kills it at timeoutMs.
 */
export function runCommand (file, args, { env = process.env, cwd, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = now()
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const out = []
    const err = []
    child.stdout.on('data', (c) => out.push(c))
    child.stderr.on('data', (c) => err.push(c))
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (e) => { clearTimeout(killer); reject(e) })
    child.on('exit', (code, signal) => {
      const ms = now() - t0
      clearTimeout(killer)
      const finish = () => {
        child.stdout.destroy()
        child.stderr.destroy()
        resolve({ code, signal, ms, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() })
      }
      // Let buffered output drain, but never wait on a pipe a daemon may hold open.
      const grace = setTimeout(finish, CLOSE_GRACE_MS)
      child.on('close', () => { clearTimeout(grace); finish() })
    })
  })
}

/** Same as runCommand, but rejects unless the exit code is 0 (message includes stderr). */
export async function runChecked (file, args, opts) {
  const r = await runCommand(file, args, opts)
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n')
    throw new Error(`${[file, ...args].join(' ')} exited ${r.code ?? r.signal}: ${tail}`)
  }
  return r
}

/** Spawns a long-running node process with no pipes; the caller owns its pid. */
export function spawnNode (args, { env = process.env, cwd } = {}) {
  const child = spawn(process.execPath, args, { env, cwd, stdio: 'ignore' })
  child.on('error', () => {})
  return child
}

/** VmRSS of a pid in KiB, from /proc/<pid>/status. */
export async function readRssKb (pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
  if (!m) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(m[1])
}

/** RssAnon of a process (KiB): its private memory, not the pages of the node binary and libraries it shares. */
export async function readRssAnonKb (pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const m = /^RssAnon:\s+(\d+)\s+kB/m.exec(status)
  if (!m) throw new Error(`no RssAnon for pid ${pid}`)
  return Number(m[1])
}

/** A process's proportional set size (KiB): its private pages plus its share of each page it maps with others. */
export async function readPssKb (pid) {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8')
  const m = /^Pss:\s+(\d+)\s+kB/m.exec(rollup)
  if (!m) throw new Error(`no Pss for pid ${pid}`)
  return Number(m[1])
}

let clockTicks = null
/** USER_HZ, the unit of /proc/<pid>/stat's times (100 on every usual Linux). */
function ticksPerSecond () {
  if (clockTicks === null) {
    try { clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100 } catch { clockTicks = 100 }
  }
  return clockTicks
}

/** CPU seconds (user + system) a pid has used so far, from /proc/<pid>/stat; null when it is gone. */
export async function readCpuSeconds (pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces): state is [0], utime [11], stime [12].
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / ticksPerSecond()
  } catch {
    return null
  }
}

/** Whether a pid exists and is not a zombie. */
export async function isAlive (pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

/** The integer in a pid file, or null when it is missing or empty. */
export async function readPidFile (path) {
  try {
    const n = Number.parseInt((await readFile(path, 'utf8')).trim(), 10)
    return Number.isInteger(n) && n > 0 ? n : null
  } catch {
    return null
  }
}

/** Resolves true when every pid is gone before `deadline`, else false. */
export async function waitForDeath (pids, deadline) {
  for (;;) {
    const alive = await Promise.all(pids.map(isAlive))
    if (!alive.some(Boolean)) return true
    if (now() > deadline) return false
    await sleep(10)
  }
}

/** SIGTERM, then SIGKILL after graceMs, to pids this bench started. Resolves the ones it had to end. */
export async function endPids (pids, graceMs = 3000) {
  const alive = []
  for (const pid of pids) if (await isAlive(pid)) alive.push(pid)
  for (const pid of alive) signal(pid, 'SIGTERM')
  if (await waitForDeath(alive, now() + graceMs)) return alive
  for (const pid of alive) signal(pid, 'SIGKILL')
  await waitForDeath(alive, now() + graceMs)
  return alive
}

/** process.kill that ignores ESRCH (already gone). */
export function signal (pid, sig) {
  try { process.kill(pid, sig) } catch (e) { if (e.code !== 'ESRCH') throw e }
}

/** Pids whose parent is `pid` (from /proc/<n>/stat), e.g. a daemon's workers and helpers. */
export async function childPids (pid) {
  const children = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) children.push(Number(name))
    } catch { /* exited meanwhile */ }
  }
  return children
}
