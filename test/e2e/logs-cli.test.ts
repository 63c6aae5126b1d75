// e2e: `sup logs` with the built CLI and daemon: the last N lines of each worker, following new lines, unknown apps.
import { spawn } from 'node:child_process'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { AppView, EventView, LogRecord } from '../../packages/protocol/src/index.ts'
import { FIXTURES, REPO_ROOT, SUP_BIN, freePortRange, httpGet, killPid, runSup, supJson, useSupHome, waitFor } from '@sup/test-support'

/** Starts `print-lines.js` as app `pl` with 2 workers, each printing `line 1` .. `line <lines>`; waits until they are on disk. */
async function startPrinter (home: string, lines: number): Promise<AppView> {
  const ports = await freePortRange(2)
  const r = await runSup(home, ['start', `${FIXTURES}/print-lines.js`, '--name', 'pl', '-n', '2', '--port-range', ports.range, '--env', `LINES=${lines}`])
  expect(r.code, r.stderr).toBe(0)
  await waitFor(async () => {
    const out = await runSup(home, ['logs', 'pl', '--no-follow', '--lines', '1', '--json'])
    const last = out.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogRecord)
    return last.length === 2 && last.every((x) => x.line === `line ${lines}`)
  }, { what: 'every line on disk', timeoutMs: 15_000 })
  return supJson<AppView>(home, ['show', 'pl'])
}

/** Runs `sup <args>` in the background; `stdout()` is what it printed so far. Killed when the test ends. */
function spawnSup (home: string, args: string[]) {
  const child = spawn(process.execPath, [SUP_BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, SUP_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c })
  child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  onTestFinished(() => { if (child.pid !== undefined) killPid(child.pid, 'SIGKILL') })
  return { pid: child.pid ?? 0, stdout: () => stdout, stderr: () => stderr, exited }
}

describe('sup logs', () => {
  it('prints exactly the last 5 lines of each worker, with prefixes', async () => {
    const home = useSupHome()
    await startPrinter(home, 12)
    const r = await runSup(home, ['logs', 'all', '--no-follow', '--lines', '5'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.split('\n').filter((l) => l !== '')
    expect(lines).toHaveLength(10)
    for (const i of [0, 1]) {
      expect(lines.filter((l) => l.startsWith(`pl:${i} `))).toEqual([8, 9, 10, 11, 12].map((n) => `pl:${i} | line ${n}`))
    }

    const json = await runSup(home, ['logs', 'pl:1', '--no-follow', '--lines', '2', '--json'])
    expect(json.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogRecord)).toEqual([
      expect.objectContaining({ app: 'pl', instance: 1, stream: 'out', line: 'line 11' }),
      expect.objectContaining({ app: 'pl', instance: 1, stream: 'out', line: 'line 12' })
    ])

    // --raw (PM2's): the lines alone, for grep and pipes
    expect((await runSup(home, ['logs', 'pl:1', '--no-follow', '--lines', '2', '--raw'])).stdout).toBe('line 11\nline 12\n')

    // --time: each line starts with the time of its record, as local time to the millisecond
    const [record] = (await runSup(home, ['logs', 'pl:1', '--no-follow', '--lines', '1', '--json'])).stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogRecord)
    const d = new Date(record?.time ?? 0)
    const two = (n: number): string => String(n).padStart(2, '0')
    const local = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`
    expect((await runSup(home, ['logs', 'pl:1', '--no-follow', '--lines', '1', '--time'])).stdout).toBe(`${local} pl:1 | line 12\n`)
  })

  it('follows: shows a line the app prints after the command started, and exits 0 on Ctrl-C', async () => {
    const home = useSupHome()
    const app = await startPrinter(home, 3)
    const port = app.workers[0]?.port ?? 0
    const cli = spawnSup(home, ['logs', 'pl', '--lines', '0'])
    // The first requests may come before the command is connected: ask until one of the lines shows up.
    let k = 0
    const shown = await waitFor(async () => {
      await httpGet(port, `/?say=hello-${++k}`)
      return /^pl:0 \| hello-\d+$/m.exec(cli.stdout())?.[0]
    }, { what: 'a new line in `sup logs`', intervalMs: 200, timeoutMs: 15_000 })
    expect(shown).toMatch(/^pl:0 \| hello-\d+$/)
    expect(cli.stdout()).not.toContain('line ')

    await httpGet(port, '/?say=to-stderr&err=1')
    await waitFor(() => cli.stdout().includes('pl:0 | to-stderr'), { what: 'the stderr line' })

    killPid(cli.pid, 'SIGINT')
    expect(await cli.exited).toBe(0)
    expect(cli.stderr()).toBe('')
  })

  it('follows on through a daemon restart: every line once, none missed, and exits 0 on Ctrl-C', async () => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    expect((await runSup(home, ['start', `${FIXTURES}/print-forever.js`, '--name', 'chatty', '--port-range', ports.range])).code).toBe(0)
    const cli = spawnSup(home, ['logs', 'chatty', '--lines', '0'])
    const numbers = (): number[] => [...cli.stdout().matchAll(/^chatty:0 \| line (\d+)$/gm)].map((m) => Number(m[1]))
    await waitFor(() => numbers().length > 100, { what: 'the follower to show lines' })
    const restart = await runSup(home, ['daemon', '--restart'])
    expect(restart.code, restart.stderr).toBe(0)
    const atRestart = Math.max(...numbers())
    // the app prints a line every 2 ms: 1000 more is ~2 s of lines after the new daemon took over
    await waitFor(() => Math.max(...numbers()) > atRestart + 1_000, { what: 'lines after the restart', timeoutMs: 20_000 })
    killPid(cli.pid, 'SIGINT')
    expect(await cli.exited).toBe(0)
    const shown = numbers()
    const first = shown[0] ?? 0
    expect(shown).toEqual(Array.from({ length: shown.length }, (_, i) => first + i))
    expect(cli.stderr()).toContain('the daemon went away; following again once one answers')
  })

  it('fails clearly for an unknown app', async () => {
    const home = useSupHome()
    const r = await runSup(home, ['logs', 'ghost', '--no-follow'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("sup: App 'ghost' not found")
    expect(r.stdout).toBe('')
    const bad = await runSup(home, ['logs', 'Bad/Name'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/log target/)
  })
})

describe('sup events --follow', () => {
  it('goes on through a daemon restart: the new daemon\'s events, none twice', async () => {
    const home = useSupHome()
    await startPrinter(home, 1)
    const cli = spawnSup(home, ['events', 'pl', '--follow', '--json', '--lines', '1'])
    await waitFor(() => cli.stdout().includes('\n'), { what: 'the last event' })
    expect((await runSup(home, ['daemon', '--restart'])).code).toBe(0)
    // the new daemon records a `restore` for the app; then a change made through it
    expect((await runSup(home, ['scale', 'pl', '1'])).code).toBe(0)
    const events = await waitFor(() => {
      const all = cli.stdout().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as EventView)
      return all.some((e) => e.type === 'scale') ? all : null
    }, { what: 'the scale event after the restart', timeoutMs: 20_000 })
    expect(events.some((e) => e.type === 'restore')).toBe(true)
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
    killPid(cli.pid, 'SIGINT')
    expect(await cli.exited).toBe(0)
  })

  it('prints the last events, then new ones as they happen', async () => {
    const home = useSupHome()
    await startPrinter(home, 1)
    const cli = spawnSup(home, ['events', 'pl', '--follow', '--json', '--lines', '1'])
    await waitFor(() => cli.stdout().includes('\n'), { what: 'the last event' })
    expect((await runSup(home, ['scale', 'pl', '1'])).code).toBe(0)
    const events = await waitFor(() => {
      const all = cli.stdout().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as EventView)
      return all.some((e) => e.type === 'scale') ? all : null
    }, { what: 'the scale event' })
    expect(events.every((e) => e.app === 'pl')).toBe(true)
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
    killPid(cli.pid, 'SIGINT')
    expect(await cli.exited).toBe(0)
  })
})
