#!/usr/bin/env node
// Figure: what CPU/memory sampling costs the sup daemon with 10, 50 and 200 idle workers (default 1 s interval),
// against the same cluster with sampling effectively off (`--sample-interval 1h`). Writes a section of RESULTS.md.
//
//   node sampling.mjs [--sizes=10,50,200] [--window=10000] [--windows=3] [--out=RESULTS.md]
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { HELLO } from './lib/apps.mjs'
import { createJanitor } from './lib/janitor.mjs'
import { describeMachine } from './lib/machine.mjs'
import { findFreeBlock } from './lib/ports.mjs'
import { childPids, readCpuSeconds, readPidFile, readRssKb, runChecked, runCommand } from './lib/proc.mjs'
import { reap } from './lib/reap.mjs'
import { makeTempHome, removeTempHome } from './lib/temp-home.mjs'
import { median, now, sleep } from './lib/timing.mjs'

const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(BENCH_DIR, '..')
const BIN = join(ROOT, 'packages/cli/bin/sup.js')
/** Idle time after `sup start` returned, before measuring: the daemon's start-up garbage is collected by then. */
const SETTLE_MS = 15_000
const START = '<!-- sampling-cost:start -->'
const END = '<!-- sampling-cost:end -->'

const { values: opts } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,50,200' },
    window: { type: 'string', default: '10000' },
    windows: { type: 'string', default: '3' },
    out: { type: 'string', default: join(BENCH_DIR, 'RESULTS.md') }
  }
})
const sizes = opts.sizes.split(',').map(Number)
const windowMs = Number(opts.window)
const windows = Number(opts.windows)

const sup = (home, args, timeoutMs = 30_000) => runChecked(process.execPath, [BIN, ...args], { env: { ...process.env, SUP_HOME: home, NO_COLOR: '1' }, cwd: ROOT, timeoutMs })

/** Starts `n` idle hello workers (sampling every 1 s, or every hour), measures the daemon, stops everything. */
async function measure (janitor, n, interval) {
  const home = await makeTempHome('sup-bench-sampling')
  const ports = await findFreeBlock({ from: 18000, to: 18999, size: n })
  let stopped = false
  const stop = async () => {
    if (stopped) return []
    stopped = true
    const daemon = await readPidFile(join(home, 'sup.pid'))
    const logd = await readPidFile(join(home, 'logd.pid'))
    const pids = [daemon, logd, ...(daemon === null ? [] : await childPids(daemon))]
    await runCommand(process.execPath, [BIN, 'kill'], { env: { ...process.env, SUP_HOME: home }, timeoutMs: 60_000 })
    const warnings = await reap({ tool: 'sup', pids, ports, waitMs: 20_000 })
    await removeTempHome(home)
    return warnings
  }
  const unregister = janitor.add(`sup cluster of ${n}`, stop)
  try {
    await sup(home, ['start', join(ROOT, HELLO.script), '-n', String(n), '--name', 'idle', '--port-range', `${ports[0]}-${ports[ports.length - 1]}`,
      '--listen-timeout', '120s', '--sample-interval', interval], 300_000)
    const list = JSON.parse((await sup(home, ['list', '--json'])).stdout)
    const online = list.apps[0].workers.filter((w) => w.state === 'online').length
    if (online !== n) throw new Error(`${online} of ${n} workers online`)
    await sleep(SETTLE_MS)
    const pid = await readPidFile(join(home, 'sup.pid'))
    const cpu = []
    for (let i = 0; i < windows; i++) {
      const c0 = await readCpuSeconds(pid)
      const t0 = now()
      await sleep(windowMs)
      const c1 = await readCpuSeconds(pid)
      cpu.push(((c1 - c0) / ((now() - t0) / 1000)) * 100)
    }
    const rssMiB = (await readRssKb(pid)) / 1024
    // The samples the daemon took: a worker's memory in `sup list` says sampling ran (or did not)
    const sampled = JSON.parse((await sup(home, ['list', '--json'])).stdout).apps[0].workers.filter((w) => w.memory !== undefined).length
    return { cpu: median(cpu), cpuAll: cpu, rssMiB, sampled }
  } finally {
    unregister()
    const warnings = await stop()
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`)
  }
}

const fmt = (x, d = 2) => x.toFixed(d)

async function main () {
  const janitor = createJanitor()
  const onSignal = () => { void janitor.runAll().then(() => process.exit(130)) }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const machine = await describeMachine({ root: ROOT, drivers: [] })
  const rows = []
  try {
    for (const n of sizes) {
      process.stderr.write(`${n} workers, sampling every 1s...\n`)
      const on = await measure(janitor, n, '1s')
      process.stderr.write(`  daemon CPU ${fmt(on.cpu)} %, RSS ${fmt(on.rssMiB, 1)} MiB (${on.sampled} sampled)\n${n} workers, sampling every 1h...\n`)
      const off = await measure(janitor, n, '1h')
      process.stderr.write(`  daemon CPU ${fmt(off.cpu)} %, RSS ${fmt(off.rssMiB, 1)} MiB (${off.sampled} sampled)\n`)
      rows.push({ n, on, off })
    }
  } finally {
    for (const f of await janitor.runAll()) process.stderr.write(`cleanup: ${f}\n`)
  }
  const section = [
    START,
    '## Sampling cost: daemon CPU and RSS with 10, 50 and 200 idle workers',
    '',
    `Run by \`node bench/sampling.mjs\` on ${machine.date} (commit ${machine.commit}), on a **shared 2-CPU box** (${machine.cpu}, ${machine.memory}; load average at start ${machine.loadavg}; other jobs were running on it), node ${machine.node}.`,
    '',
    '| idle workers | daemon CPU, sampling every 1 s (default) | daemon CPU, sampling every 1 h (off) | cost of sampling | daemon RSS, 1 s | daemon RSS, 1 h |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map(({ n, on, off }) => `| ${n} | ${fmt(on.cpu)} % | ${fmt(off.cpu)} % | ${fmt(on.cpu - off.cpu)} % of one core | ${fmt(on.rssMiB, 1)} MiB | ${fmt(off.rssMiB, 1)} MiB |`),
    '',
    `Method: \`sup start examples/hello/server.js -n N --sample-interval 1s\` (the default) in a fresh SUP_HOME, all N online, then ${SETTLE_MS / 1000} s idle; daemon CPU is utime + stime from /proc/<pid>/stat of the daemon (not sup-logd, not the workers) over ${windows} windows of ${windowMs / 1000} s, median shown (all windows: ${rows.map(({ n, on }) => `${n}: ${on.cpuAll.map((c) => fmt(c)).join(', ')}`).join('; ')}); RSS is VmRSS after the windows. The baseline is the same cluster with \`--sample-interval 1h\` (the monitor still wakes every second and builds its list of workers, but samples nothing after its first tick). Each tick reads /proc/<pid>/stat once per process (tree, CPU ticks and RSS in one pass; before 2026-12-04, plus one pidusage call for every worker's tree). No traffic, no health checks, no nginx.`,
    END
  ].join('\n')
  let text = ''
  try { text = await readFile(opts.out, 'utf8') } catch { text = '' }
  const at = text.indexOf(START)
  const end = text.indexOf(END)
  text = at >= 0 && end > at ? `${text.slice(0, at)}${section}${text.slice(end + END.length)}` : `${text.trimEnd()}\n\n${section}\n`
  await writeFile(opts.out, text)
  process.stdout.write(`${section}\n`)
}

main().catch((err) => { process.stderr.write(`${err.stack ?? err}\n`); process.exit(1) })
