#!/usr/bin/env node
// What supervision costs at rest (issue 14): memory (daemon + helpers + what each worker pays for being supervised),
// idle CPU, `list` wall time, and the time from a cold start to every port answering; sup vs PM2 vs bare node.
//
//   node footprint.mjs [--sizes=4,50] [--tools=sup,pm2] [--settle=20000] [--window=10000] [--lists=7] [--readopt=3]
//                      [--max-memory=1G] [--sup-root=DIR] [--json=FILE] [--write=RESULTS.md] [--note=TEXT]
//
// --max-memory puts a memory rule on every worker (sup: --max-memory, PM2: max_memory_restart), so that each tool
// samples its workers while idle: sup samples only what a rule or a reader needs, PM2 checks every 30 s.
//
// Prints one table per size (Markdown) and, with --json, every reading; with --write, replaces the `footprint`
// section of that file (run.mjs keeps it), --note saying under what conditions. Memory figures hold on a busy
// machine; times do not: say so in --note when the load average is high.
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { HELLO } from './lib/apps.mjs'
import { createFloorDriver } from './lib/floor-driver.mjs'
import { pidOnPort, waitForAllAnswer } from './lib/http-poll.mjs'
import { createJanitor } from './lib/janitor.mjs'
import { describeMachine } from './lib/machine.mjs'
import { createPm2Driver } from './lib/pm2-driver.mjs'
import { findFreeBlock } from './lib/ports.mjs'
import { childPids, readCpuSeconds, readPidFile, readPssKb, readRssAnonKb, readRssKb, runCommand } from './lib/proc.mjs'
import { createSupDriver } from './lib/sup-driver.mjs'
import { deadlineIn, median, now, sleep } from './lib/timing.mjs'

const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(BENCH_DIR, '..')

const { values: opts } = parseArgs({
  options: {
    sizes: { type: 'string', default: '4,50' },
    tools: { type: 'string', default: 'sup,pm2' },
    settle: { type: 'string', default: '20000' },
    // idle CPU is read from /proc in clock ticks of 10 ms: over 10 s one tick is 0.1 % (0.3 % vs 0.4 % is one tick)
    window: { type: 'string', default: '60000' },
    lists: { type: 'string', default: '7' },
    readopt: { type: 'string', default: '0' },
    'max-memory': { type: 'string' },
    'sup-root': { type: 'string', default: ROOT },
    json: { type: 'string' },
    write: { type: 'string' },
    note: { type: 'string', default: '' }
  }
})
const sizes = opts.sizes.split(',').map(Number)
const tools = opts.tools.split(',')
const SETTLE_MS = Number(opts.settle)
const WINDOW_MS = Number(opts.window)
const LISTS = Number(opts.lists)
const READOPTS = Number(opts.readopt)
const MiB = (kb) => kb / 1024
const sum = (xs) => xs.reduce((a, b) => a + b, 0)
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a')

const rssOf = async (pids) => Promise.all(pids.map((p) => readRssKb(p).catch(() => NaN)))
const anonOf = async (pids) => Promise.all(pids.map((p) => readRssAnonKb(p).catch(() => NaN)))
const pssOf = async (pids) => Promise.all(pids.map((p) => readPssKb(p).catch(() => NaN)))

/** Median wall time (ms) of `n` runs of a list command, after one unmeasured run. */
async function listMs ({ file, args, env }, n) {
  const times = []
  for (let i = 0; i <= n; i++) {
    const r = await runCommand(file, args, { env, cwd: ROOT, timeoutMs: 60_000 })
    if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-300)}`)
    if (i > 0) times.push(r.ms)
  }
  return median(times)
}

/** CPU % of one core used by `pids` over WINDOW_MS. */
async function idleCpu (pids) {
  const c0 = sum(await Promise.all(pids.map(readCpuSeconds)))
  const t0 = now()
  await sleep(WINDOW_MS)
  const c1 = sum(await Promise.all(pids.map(readCpuSeconds)))
  return ((c1 - c0) / ((now() - t0) / 1000)) * 100
}

/** The bare app: n `node server.js` with no supervisor; per-worker RSS (KiB) after the settle time. */
async function bare (janitor, n) {
  const driver = createFloorDriver({ root: ROOT, janitor })
  const ports = await findFreeBlock({ from: 18000, to: 18999, size: n })
  const cluster = await driver.prepare({ instances: n, ports })
  try {
    await driver.start(cluster)
    await waitForAllAnswer(ports, deadlineIn(120_000))
    await sleep(SETTLE_MS)
    const pids = await Promise.all(ports.map(pidOnPort))
    const nodeMs = await listMs(driver.listCommand(cluster), LISTS)
    return { workerKb: await rssOf(pids), workerAnonKb: await anonOf(pids), pssKb: sum(await pssOf(pids)), nodeMs }
  } finally {
    await driver.stop(cluster)
  }
}

/** One tool with n idle workers: cold start until every port answers, then memory, CPU, list time, re-adoption. */
async function supervised (janitor, id, n, bareKb, bareAnonKb, barePssKb) {
  const driver = id === 'sup'
    ? createSupDriver({ root: ROOT, supRoot: resolve(opts['sup-root']), janitor })
    : createPm2Driver({ root: ROOT, janitor })
  const ports = await findFreeBlock({ from: 18000, to: 18999, size: n })
  const rule = opts['max-memory']
  const app = { ...HELLO, sup: ['--listen-timeout', '120s', ...(rule === undefined ? [] : ['--max-memory', rule])], maxMemory: rule ?? null }
  const cluster = await driver.prepare({ instances: n, ports, app })
  try {
    const t0 = now()
    const answered = waitForAllAnswer(ports, deadlineIn(180_000))
    await driver.start(cluster)
    const commandMs = now() - t0
    const onlineMs = (await answered).at - t0
    await sleep(SETTLE_MS)
    const daemon = await driver.daemonPid(cluster)
    const workers = await Promise.all(ports.map(pidOnPort))
    const workerSet = new Set(workers)
    const helpers = (await driver.supervisorPids(cluster)).filter((p) => p !== daemon && !workerSet.has(p))
    const [daemonKb] = await rssOf([daemon])
    const helperKb = await rssOf(helpers)
    const workerKb = await rssOf(workers)
    const anon = sum(await anonOf([daemon, ...helpers])) + sum(await anonOf(workers)) - n * median(bareAnonKb)
    // what the box pays: every page counted once across the processes that share it (the node binary's pages too)
    const boxKb = sum(await pssOf([daemon, ...helpers, ...workers])) - barePssKb
    const cpu = await idleCpu([daemon, ...helpers])
    const listWallMs = await listMs(driver.listCommand(cluster), LISTS)
    const overheadKb = sum(workerKb) - n * median(bareKb)
    const r = { tool: id, n, commandMs, onlineMs, daemonKb, helperKb: sum(helperKb), helpers: helperKb, workerKb: median(workerKb), overheadKb, totalKb: daemonKb + sum(helperKb) + overheadKb, privateKb: anon, boxKb, cpu, listWallMs }
    if (id === 'sup' && READOPTS > 0) r.readoptMs = await readopt(driver, cluster, workers)
    return r
  } finally {
    await driver.stop(cluster)
  }
}

/** SIGKILL of sup's daemon, then `sup list --json` (starting a new one) until every worker is online under its old pid. */
async function readopt (driver, cluster, pids) {
  const times = []
  for (let i = 0; i < READOPTS; i++) {
    const { startedAt } = await driver.killDaemon(cluster)
    for (;;) {
      const { workers } = await driver.listWorkers(cluster)
      if (workers.length === pids.length && workers.every((w) => w.state === 'online' && pids.includes(w.pid))) break
      if (now() > startedAt + 60_000) throw new Error('not re-adopted within 60 s')
      await sleep(20)
    }
    times.push(now() - startedAt)
    const still = await readPidFile(join(cluster.home, 'sup.pid'))
    if ((await childPids(still)).length === 0 && pids.length > 0) process.stderr.write('note: the new daemon is not the workers\' parent (adopted)\n')
  }
  return median(times)
}

function table (rows, nodeMs, bareMiB) {
  const head = '| tool | workers | daemon RSS | helpers RSS | Σ(worker − bare) | **total cost** | private (RssAnon) cost | box cost (Σ PSS − bare) | idle CPU (daemon + helpers) | list wall / `node -e \'\'` | start until all ports answer (command returned) |'
  const lines = [head, '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|']
  for (const r of rows) {
    lines.push(`| ${r.tool} | ${r.n} | ${fmt(MiB(r.daemonKb))} MiB | ${fmt(MiB(r.helperKb))} MiB | ${fmt(MiB(r.overheadKb))} MiB | **${fmt(MiB(r.totalKb))} MiB** | ${fmt(MiB(r.privateKb))} MiB | ${fmt(MiB(r.boxKb))} MiB | ${fmt(r.cpu, 2)} % | ${fmt(r.listWallMs, 0)} ms / ${fmt(nodeMs, 0)} ms = ${fmt(r.listWallMs / nodeMs, 2)}x | ${fmt(r.onlineMs, 0)} ms (${fmt(r.commandMs, 0)} ms)${r.readoptMs === undefined ? '' : `; re-adoption ${fmt(r.readoptMs, 0)} ms`} |`)
  }
  const sup = rows.find((r) => r.tool === 'sup')
  const pm2 = rows.find((r) => r.tool === 'pm2')
  if (sup && pm2) lines.push('', `sup/PM2: total memory ${fmt(sup.totalKb / pm2.totalKb, 2)}x (private ${fmt(sup.privateKb / pm2.privateKb, 2)}x, box ${fmt(sup.boxKb / pm2.boxKb, 2)}x), cold start ${fmt(sup.onlineMs / pm2.onlineMs, 2)}x, list ${fmt(sup.listWallMs / pm2.listWallMs, 2)}x, idle CPU ${fmt(sup.cpu / pm2.cpu, 2)}x.`)
  lines.push(`Bare app (\`node examples/hello/server.js\`): median worker RSS ${fmt(bareMiB)} MiB.`)
  return lines.join('\n')
}

async function main () {
  const janitor = createJanitor()
  const onSignal = () => { void janitor.runAll().then(() => process.exit(130)) }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const machine = await describeMachine({ root: resolve(opts['sup-root']), drivers: [] })
  const all = []
  const out = [`footprint.mjs at ${machine.commit}, ${machine.date}, node ${machine.node}, ${machine.cpu}; load average at start ${machine.loadavg}; NODE_EXTRA_CA_CERTS ${machine.nodeExtraCaCerts}`]
  try {
    for (const n of sizes) {
      process.stderr.write(`${n} bare workers...\n`)
      const { workerKb: bareKb, workerAnonKb: bareAnonKb, pssKb: barePssKb, nodeMs } = await bare(janitor, n)
      const rows = []
      for (const id of tools) {
        process.stderr.write(`${id}, ${n} workers...\n`)
        rows.push(await supervised(janitor, id, n, bareKb, bareAnonKb, barePssKb))
      }
      all.push({ n, bareKb, nodeMs, rows })
      out.push('', table(rows, nodeMs, MiB(median(bareKb))))
      process.stderr.write(`${out.at(-1)}\n`)
    }
  } finally {
    for (const f of await janitor.runAll()) process.stderr.write(`cleanup: ${f}\n`)
  }
  out.push('', `load average at end ${(await describeMachine({ root: ROOT, drivers: [] })).loadavg}`)
  process.stdout.write(`${out.join('\n')}\n`)
  if (opts.json) await writeFile(opts.json, JSON.stringify({ machine, sizes: all }, null, 2))
  if (opts.write) await writeSection(opts.write, out)
}

const METHOD = 'Method (`bench/footprint.mjs`): for each size, N bare `node examples/hello/server.js` first (their median RSS is the ' +
  'bare app\'s), then each tool starts N workers of it in a fresh home (sup: `sup start -n N --port-range`, PM2: fork mode, ' +
  '`instances: N`); the clock runs from the start command to every port answering. After ' + `${SETTLE_MS / 1000}` + ' s idle: VmRSS of ' +
  'the daemon, of its helpers (sup-logd) and of every worker; **total cost = daemon + helpers + Σ(worker RSS − bare app RSS)**; the private cost is the same sum of RssAnon ' +
  '(what is not the node binary\'s and libraries\' file pages, which every node process on the box shares); the box cost is ' +
  'Σ PSS (each shared page split among the processes mapping it) of daemon, helpers and workers minus Σ PSS of the N bare ' +
  'workers: what supervising costs the machine, every page counted once (the bench\'s own node process shares the binary ' +
  'too, a little in both runs); idle ' +
  'CPU of daemon + helpers over ' + `${WINDOW_MS / 1000}` + ' s; list wall time (`sup list --json` / `pm2 jlist`, median of ' + `${LISTS}` +
  ' after one unmeasured run) against `node -e \'\'` measured in the same run.'

async function writeSection (file, out) {
  const START = '<!-- footprint:start -->'
  const END = '<!-- footprint:end -->'
  const section = [START, '## Footprint: total memory cost of supervision, idle CPU, list and cold start', '', ...(opts.note ? [opts.note, ''] : []), ...out, '', METHOD, END].join('\n')
  let text = await readFile(file, 'utf8').catch(() => '')
  const at = text.indexOf(START)
  const end = text.indexOf(END)
  text = at >= 0 && end > at ? `${text.slice(0, at)}${section}${text.slice(end + END.length)}` : `${text.trimEnd()}\n\n${section}\n`
  await writeFile(file, text)
}

main().catch((err) => { process.stderr.write(`${err.stack ?? err}\n`); process.exit(1) })
