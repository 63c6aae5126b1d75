// Runs every test project with vitest and ends with one plain line: "N passed, N failed" (CI reads it).
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'

mkdirSync('.tmp', { recursive: true })
const report = '.tmp/vitest-report.json'
const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], { stdio: 'inherit' })
let passed = 0
let failed = 0
let skipped = 0
try {
  const j = JSON.parse(readFileSync(report, 'utf8'))
  passed = j.numPassedTests
  failed = j.numFailedTests + (j.numTotalTestSuites > 0 && j.success === false && j.numFailedTests === 0 ? 1 : 0)
  skipped = j.numPendingTests + j.numTodoTests
} catch {
  failed = 1
}
process.stdout.write(`\n${passed} passed, ${failed} failed${skipped > 0 ? ` (${skipped} skipped, not counted as passed)` : ''}\n`)
process.exit(r.status === 0 && failed === 0 ? 0 : 1)
