#!/usr/bin/env node
// Runs every figure for sup, PM2 and the physical floor in one go and writes RESULTS.md.
//
//   node run.mjs [--reps=7] [--tools=sup,pm2,floor] [--figures=cold-start,...] [--out=RESULTS.md]
//                [--sup-root=DIR]   (a built checkout whose sup CLI to measure; default: this repo)
//                [--help]
import { readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpus, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { FIGURES } from './figures/index.mjs'
import { createFloorDriver } from './lib/floor-driver.mjs'
import { waitForAllAnswer } from './lib/http-poll.mjs'
import { createJanitor } from './lib/janitor.mjs'
import { describeMachine } from './lib/machine.mjs'
import { createPm2Driver } from './lib/pm2-driver.mjs'
import { findFreeBlock } from './lib/ports.mjs'
import { renderReport } from './lib/report.mjs'
import { createSupDriver } from './lib/sup-driver.mjs'
import { deadlineIn, now, sleep } from './lib/timing.mjs'

const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
const ROOT = resolve(BENCH_DIR, '..')
const INSTANCES = 4
const PORT_POOL = { from: 18000, to: 18999 }
const MAX_REPS = 20
const WHOLE_RUN_LIMIT_MS = 20 * 60_000
const READY_DEADLINE_MS = 30_000

const NOTES = [
  'Every tool runs the same app, `examples/hello/server.js` (`http.createServer`, answers `hello from pid <pid>`), with the same node binary as the bench, except the log flood (`bench/fixtures/flood.js`); all traffic is to 127.0.0.1.',
  'sup is driven through its built CLI (`node packages/cli/bin/sup.js`), PM2 through `node bench/node_modules/pm2/bin/pm2`, each with its own fresh temp state dir (`SUP_HOME`, `PM2_HOME`) and `PM2_DISABLE_VERSION_CHECK=1`; both with their default settings otherwise (PM2 keeps `vizion`, `pmx`, `autorestart` on).',
  'Times are `performance.now()` differences in the bench process; ports are polled with `GET /` every 5 ms (each attempt: a fresh connection, 1 s timeout). The polling loop itself shares the 2 CPUs with the processes under test, equally for every tool.',
  'Repetitions interleave the tools (in each round every tool takes a turn, a different one first each round) so drift in the machine\'s load does not favour one of them. Figures run in this order: the cold ones (cold start, log flood: each repetition starts and stops its own cluster, after 1 unmeasured warm-up per tool), then the ones with a cluster of their own (daemon re-adoption with 4, then 100 workers: one cluster per tool taking part, kept across the repetitions, stopped after the figure), then the warm ones (one 4-worker cluster per tool, all up at once, the others idle while one is measured: RSS, list, kill).',
  'Each tool gets its own block of 4 free ports from 18000-18999, probed by binding before the run (a figure with more workers gets a larger free block for its own cluster). Everything started is stopped by pid (`sup kill`, `pm2 kill`, `process.kill`), on failure too; anything that outlived its tool\'s stop command is listed under Warnings.',
  'The verdict compares medians. Ratios below 1 are better for sup.'
]

const HELP = `node run.mjs [options]   writes RESULTS.md (see README.md)
  --reps=N            repetitions per figure and tool, 1-${MAX_REPS} (default 7)
  --tools=LIST        of sup,pm2,floor (default all three)
  --figures=LIST      of ${FIGURES.map((f) => f.id).join(',')} (default all)
  --out=FILE          where to write the report (default RESULTS.md)
  --sup-root=DIR      the built checkout whose sup CLI to measure (default this repo)
`

function parseOptions () {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', default: false },
      reps: { type: 'string', default: '7' },
      tools: { type: 'string', default: 'sup,pm2,floor' },
      figures: { type: 'string', default: FIGURES.map((f) => f.id).join(',') },
      out: { type: 'string', default: join(BENCH_DIR, 'RESULTS.md') },
      'sup-root': { type: 'string', default: ROOT }
    }
  })
  if (values.help) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const reps = Number(values.reps)
  if (!Number.isInteger(reps) || reps < 1 || reps > MAX_REPS) throw new Error(`--reps must be 1..${MAX_REPS}`)
  const figures = values.figures.split(',').map((id) => FIGURES.find((f) => f.id === id) ?? fail(`unknown figure ${id}`))
  return { reps, toolIds: values.tools.split(','), figures, out: resolve(values.out), supRoot: resolve(values['sup-root']) }
}

function fail (msg) { throw new Error(msg) }

const log = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)

/** Builds the drivers and keeps only those whose check() passes (a failing one is reported, not fatal). */
async function usableDrivers ({ toolIds, supRoot }, janitor, warnings) {
  const all = { sup: createSupDriver, pm2: createPm2Driver, floor: createFloorDriver }
  const drivers = []
  for (const id of toolIds) {
    if (!all[id]) throw new Error(`unknown tool ${id}`)
    const d = all[id]({ root: ROOT, supRoot, janitor })
    try {
      await d.check()
      drivers.push(d)
    } catch (e) {
      warnings.push(`${d.label} skipped: ${e.message}`)
      log(`${d.label} skipped: ${e.message}`)
    }
  }
  return drivers
}

const slot = (results, fig, tool) => {
  results[fig.id] ??= {}
  results[fig.id][tool] ??= { samples: [] }
  return results[fig.id][tool]
}

/**
 * Runs `sampleOf(driver, round)` for every tool, `reps` rounds (plus `warmups` unmeasured ones
 * first), the tools taking turns with a different one first each round. A tool that fails once
 * keeps its error and is left out of the later rounds.
 */
async function runRounds (fig, { drivers, reps, results }, sampleOf, { warmups = 0, gapMs = 0 } = {}) {
  const active = takingPart(fig, drivers).filter((d) => !slot(results, fig, d.id).error)
  for (let round = -warmups; round < reps; round++) {
    if (round > -warmups && gapMs > 0) await sleep(gapMs)
    const order = active.map((_, i) => active[(i + Math.max(round, 0)) % active.length])
    for (const d of order) {
      const s = slot(results, fig, d.id)
      if (s.error) continue
      try {
        const { value, parts = {} } = await sampleOf(d, round)
        if (round < 0) continue
        s.samples.push(value)
        for (const [k, v] of Object.entries(parts)) ((s.parts ??= {})[k] ??= []).push(v)
        log(`${fig.id} ${d.label} #${round + 1}: ${value.toFixed(1)} ${fig.unit}`)
      } catch (e) {
        s.error = e.message
        log(`${fig.id} ${d.label} failed: ${e.message}`)
      }
    }
  }
}

/** The drivers of the tools a figure runs (`fig.tools`, default all). */
const takingPart = (fig, drivers) => drivers.filter((d) => !fig.tools || fig.tools.includes(d.id))

/** Cold figures: each repetition owns its cluster's whole lifecycle; 1 warm-up per tool. */
function runColdFigure (fig, ctx) {
  const sampleOf = (d) => fig.sample({ driver: d, ports: ctx.ports[d.id], instances: INSTANCES, warn: ctx.warn })
  return runRounds(fig, ctx, sampleOf, { warmups: 1 })
}

/**
 * Figures with a cluster of their own (`fig.instances` workers): prepare() once per tool taking part, on
 * the tool's port block (or a free block of fig.instances ports), the rounds, then teardown() always.
 */
async function runOwnFigure (fig, ctx) {
  const drivers = takingPart(fig, ctx.drivers)
  const states = {}
  const taken = Object.values(ctx.ports).flat()
  try {
    for (const d of drivers) {
      const s = slot(ctx.results, fig, d.id)
      try {
        const size = fig.portBlock ?? fig.instances
        const ports = size === INSTANCES
          ? ctx.ports[d.id]
          : await findFreeBlock({ ...PORT_POOL, size, taken })
        taken.push(...ports)
        log(`${fig.id} ${d.label}: starting ${fig.instances} workers on ${ports[0]}-${ports.at(-1)}`)
        states[d.id] = await fig.prepare({ driver: d, instances: fig.instances, ports, warn: ctx.warn })
      } catch (e) {
        s.error = e.message
        log(`${fig.id} ${d.label} failed: ${e.message}`)
      }
    }
    const sampleOf = (d, rep) => fig.sample({ driver: d, state: states[d.id], rep, warn: ctx.warn })
    await runRounds(fig, ctx, sampleOf, { gapMs: fig.roundGapMs ?? 0 })
  } finally {
    for (const d of drivers) {
      if (states[d.id]) for (const w of await fig.teardown({ driver: d, state: states[d.id] })) ctx.warn(w)
    }
  }
}

/** Starts every tool's cluster (one after the other) and resolves { cluster, readyAt } by tool id. */
async function startClusters ({ drivers, ports, figs, results }) {
  const clusters = {}
  for (const d of drivers) {
    const cluster = await d.prepare({ instances: INSTANCES, ports: ports[d.id] })
    clusters[d.id] = { cluster }
    try {
      await d.start(cluster)
      clusters[d.id].readyAt = (await waitForAllAnswer(cluster.ports, deadlineIn(READY_DEADLINE_MS))).at
    } catch (e) {
      for (const fig of figs) slot(results, fig, d.id).error ??= `cluster did not come up: ${e.message}`
      log(`${d.label} warm cluster failed: ${e.message}`)
    }
  }
  return clusters
}

/** Warm figures: all tools' clusters up at once, each figure's rounds interleaving the tools. */
async function runWarmFigures (figs, ctx) {
  const clusters = await startClusters({ ...ctx, figs })
  try {
    for (const fig of figs) {
      const states = {}
      for (const d of ctx.drivers) {
        const s = slot(ctx.results, fig, d.id)
        if (s.error) continue
        const { cluster, readyAt } = clusters[d.id]
        try {
          states[d.id] = fig.prepare ? await fig.prepare({ driver: d, cluster, readyAt, warn: ctx.warn }) : {}
        } catch (e) {
          s.error = e.message
          log(`${fig.id} ${d.label} failed: ${e.message}`)
        }
      }
      const sampleOf = (d, rep) => fig.sample({ driver: d, cluster: clusters[d.id].cluster, state: states[d.id], rep, warn: ctx.warn })
      await runRounds(fig, ctx, sampleOf, { gapMs: fig.roundGapMs ?? 0 })
    }
  } finally {
    for (const d of ctx.drivers) {
      if (clusters[d.id]) for (const w of await d.stop(clusters[d.id].cluster)) ctx.warn(w)
    }
  }
}

async function main () {
  const opts = parseOptions()
  const janitor = createJanitor()
  const warnings = []
  const warn = (w) => { warnings.push(w); log(`warning: ${w}`) }
  let isAborted = false
  const abort = async (why) => {
    isAborted = true
    log(`${why}: cleaning up`)
    for (const f of await janitor.runAll()) log(`cleanup failed: ${f}`)
    process.exit(1)
  }
  process.once('SIGINT', () => abort('SIGINT'))
  process.once('SIGTERM', () => abort('SIGTERM'))
  const watchdog = setTimeout(() => abort(`whole run over ${WHOLE_RUN_LIMIT_MS / 60_000} min`), WHOLE_RUN_LIMIT_MS)

  const t0 = now()
  const results = {}
  let drivers = []
  let machine
  const ports = {}
  try {
    drivers = await usableDrivers(opts, janitor, warnings)
    machine = await describeMachine({ root: opts.supRoot, drivers })
    for (const d of drivers) ports[d.id] = await findFreeBlock({ ...PORT_POOL, size: INSTANCES, taken: Object.values(ports).flat() })
    log(`tools: ${drivers.map((d) => `${d.label} ${ports[d.id][0]}-${ports[d.id].at(-1)}`).join(', ')}; ${opts.reps} reps`)
    const ctx = { drivers, ports, reps: opts.reps, results, warn }
    for (const fig of opts.figures.filter((f) => f.phase === 'cold')) await runColdFigure(fig, ctx)
    for (const fig of opts.figures.filter((f) => f.phase === 'own')) await runOwnFigure(fig, ctx)
    const warm = opts.figures.filter((f) => f.phase === 'warm')
    if (warm.length > 0) await runWarmFigures(warm, ctx)
  } finally {
    clearTimeout(watchdog)
    for (const f of await janitor.runAll()) warn(`cleanup: ${f}`)
  }
  if (isAborted) return
  const portsText = drivers.map((d) => `${d.label} ${ports[d.id][0]}-${ports[d.id].at(-1)}`).join(', ')
  const loadEnd = loadavg()
  // The load at the end includes the bench's own processes; the one at the start shows competitors.
  const isBusy = Number(machine.loadavg.split(' ')[0]) > cpus().length / 2
  const run = {
    machine,
    reps: opts.reps,
    durationMs: now() - t0,
    warnings,
    notes: NOTES,
    portsText,
    supRootText: opts.supRoot === ROOT ? '' : ` (CLI from the checkout ${opts.supRoot})`,
    loadavgEnd: loadEnd.map((l) => l.toFixed(2)).join(' '),
    isBusy
  }
  // The sections of sampling.mjs and footprint.mjs are carried over as they were
  const previous = await readFile(opts.out, 'utf8').catch(() => '')
  const kept = ['sampling-cost', 'footprint'].map((id) => new RegExp(`<!-- ${id}:start -->[\\s\\S]*<!-- ${id}:end -->`).exec(previous)?.[0]).filter(Boolean)
  const report = renderReport({ figures: opts.figures, results, run })
  await writeFile(opts.out, kept.length === 0 ? report : `${report.trimEnd()}\n\n${kept.join('\n\n')}\n`)
  log(`wrote ${opts.out}`)
}

main().catch((e) => {
  log(`failed: ${e.stack ?? e}`)
  process.exitCode = 1
})
