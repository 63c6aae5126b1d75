// CPU/memory for people: units, totals, `sup show`'s sparklines, and `sup monit` frames drawn without flicker.
import type { AppSamples, AppView } from '@sup/protocol'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { runMonit } from '../../src/commands/monit.ts'
import { createPalette } from '../../src/render/format.ts'
import { frameToAnsi, renderMonitFrame } from '../../src/render/monit.ts'
import { formatBytes, formatCpu, renderSamples, sparkline, totalCells } from '../../src/render/usage.ts'

const c = createPalette(false)
const MB = 1024 * 1024

const app: AppView = {
  name: 'api',
  desired: 'running',
  spec: {
    name: 'api', script: '/srv/api/server.js', args: [], cwd: '/srv/api', instances: 2, portRange: { from: 8000, to: 8004 }, envKeys: [], restart: 'always',
    restartDelayMs: 100, maxRestartDelayMs: 15_000, minUptimeMs: 10_000, maxRestarts: 10, restartWindowMs: 60_000, retryInMs: 300_000, listenTimeoutMs: 8_000,
    killTimeoutMs: 5_000, killSignal: 'SIGTERM', waitReady: false, logMaxSize: 1, logFiles: 5, health: null, drainMs: 1_000, watch: null, watchIgnore: []
  },
  workers: [
    { app: 'api', instance: 0, state: 'online', pid: 11, port: 8000, restarts: 1, startedAt: 0, lastExit: null, cpu: 10, memory: 40 * MB },
    { app: 'api', instance: 1, state: 'online', pid: 12, port: 8001, restarts: 2, startedAt: 0, lastExit: null, cpu: 5.5, memory: 60 * MB }
  ]
}

describe('usage formatting', () => {
  it('formats bytes and percents, and sums the sampled workers', () => {
    expect([formatBytes(undefined), formatBytes(512 * 1024), formatBytes(150 * MB), formatBytes(3 * 1024 * MB)]).toEqual(['-', '512K', '150.0M', '3.00G'])
    expect([formatCpu(undefined), formatCpu(0), formatCpu(99.96)]).toEqual(['-', '0.0%', '100.0%'])
    expect(totalCells(app.workers)).toEqual(['15.5%', '100.0M'])
    const { cpu: _cpu, memory: _memory, ...unsampled } = app.workers[0]!
    expect(totalCells([unsampled])).toEqual(['-', '-'])
  })

  it('draws the last minute as a sparkline with now/avg/max', () => {
    expect(sparkline([0, 50, 100], 100)).toBe('▁▅█')
    const s: AppSamples = { app: 'api', intervalMs: 1000, workers: [{ instance: 0, pid: 11, samples: [{ time: 1, cpu: 10, memory: 10 * MB, pids: 1 }, { time: 2, cpu: 30, memory: 20 * MB, pids: 2 }] }, { instance: 1, pid: null, samples: [] }] }
    const lines = renderSamples(s, c)
    expect(lines[0]).toBe('#0 pid 11  2 samples, every 1000 ms')
    expect(lines[1]).toContain('now 30.0%  avg 20.0%  max 30.0%')
    expect(lines[2]).toContain('now 20.0M  avg 15.0M  max 20.0M')
    expect(lines[3]).toBe('#1  no samples yet')
  })
})

describe('sup monit', () => {
  it('a frame is the table with an app total; drawn with cursor-home, erase-line and erase-below, never clear-screen', () => {
    const lines = renderMonitFrame([app], 60_000, c)
    expect(lines.join('\n')).toContain('api  all       2/2 online                 3  15.5%  100.0M')
    const ansi = frameToAnsi(lines)
    expect(ansi.startsWith('\u001b[H')).toBe(true)
    expect(ansi.endsWith('\u001b[J')).toBe(true)
    expect(ansi).not.toContain('\u001b[2J')
    expect(ansi.split('\n').every((l) => l.includes('\u001b[K'))).toBe(true)
  })

  it('prints one frame and returns when stdout is not a TTY', async () => {
    let out = ''
    const input = new PassThrough()
    await runMonit({ output: { isTTY: false, write: (t: string) => { out += t } }, input }, { intervalMs: 10, fetchApps: async () => [app], ctx: { colors: c }, signal: new AbortController().signal })
    expect(out).toMatch(/^api +0 +11 +online/m)
    expect(out).not.toContain('\u001b[')
  })

  it('on a TTY redraws until q, then restores the screen and the terminal mode', async () => {
    let out = ''
    let fetches = 0
    const modes: boolean[] = []
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (raw: boolean) => { modes.push(raw) } })
    const done = runMonit({ output: { isTTY: true, write: (t: string) => { out += t } }, input }, {
      intervalMs: 5,
      fetchApps: async () => { fetches++; if (fetches === 3) input.write('q'); return [app] },
      ctx: { colors: c },
      signal: new AbortController().signal
    })
    await done
    expect(fetches).toBeGreaterThanOrEqual(3)
    expect(out.startsWith('\u001b[?1049h')).toBe(true)
    expect(out.endsWith('\u001b[?25h\u001b[?1049l')).toBe(true)
    expect(modes).toEqual([true, false])
  })

  it('on a TTY stops on the abort signal (Ctrl-C as SIGINT)', async () => {
    const ac = new AbortController()
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined })
    const done = runMonit({ output: { isTTY: true, write: () => true }, input }, { intervalMs: 1_000_000, fetchApps: async () => [app], ctx: { colors: c }, signal: ac.signal })
    setTimeout(() => ac.abort(), 20)
    await done
  })
})
