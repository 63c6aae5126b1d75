// e2e, model-based: a seeded random sequence of operations (some issued together) against a real daemon, real
// workers and a real nginx; after each step, once quiet, every invariant of docs/crash-safety.md's rules holds.
// Replay: SUP_INTERLEAVE_SEED=<n|random|a,b> SUP_INTERLEAVE_STEPS=<n>; longer runs: scripts/interleave.mjs.
import { mkdirSync } from 'node:fs'
import { describe, expect, it, onTestFinished } from 'vitest'
import { freePortRange, isAlive, killPid, requireNginx, runSup, startNginx, useSupHome } from '@sup/test-support'
import { generateSteps } from '../support/src/interleave-model.ts'
import { interleaveServerBlock } from '../support/src/interleave-observe.ts'
import type { World } from '../support/src/interleave-ops.ts'
import { failureReport, runInterleaving } from '../support/src/interleave-run.ts'
import { parseSeeds } from '../support/src/prng.ts'

const hasNginx = requireNginx()

/** The default run: fixed seeds (reproducible CI; together they draw every kind of operation), ~80 s each on 2 cores. */
const DEFAULT_SEEDS = [7, 107]
const DEFAULT_STEPS = 16
const SEEDS = parseSeeds(process.env.SUP_INTERLEAVE_SEED, DEFAULT_SEEDS)
const STEPS = Number(process.env.SUP_INTERLEAVE_STEPS ?? DEFAULT_STEPS)
/** A step takes 1-15 s (a never-ready deploy, a cron run); the bound is generous, the loop is bounded by STEPS. */
const STEP_BOUND_MS = 40_000

/** A home, its nginx (routing on X-Sup-App), a daemon, and the ranges of the three apps. */
async function world (): Promise<{ w: World; nginxPort: number }> {
  const home = useSupHome()
  const nginx = await startNginx({ dir: `${home}/nginx-prefix`, includeGlob: `${home}/nginx/*.conf`, serverBlock: interleaveServerBlock })
  onTestFinished(() => nginx.stop())
  const daemons = new Set<number>()
  // every daemon the run started (a killed one's successors too): stopped by pid
  onTestFinished(() => { for (const pid of daemons) if (isAlive(pid)) killPid(pid, 'SIGKILL') })
  const p = await freePortRange(9)
  const w: World = {
    home,
    env: { SUP_NGINX_RELOAD: nginx.reloadCommand.join(' '), SUP_NGINX_TEST: nginx.testCommand.join(' ') },
    stateDir: `${home}/state`,
    workDir: `${home}/work`,
    ranges: { alpha: { from: p.from, to: p.from + 2 }, beta: { from: p.from + 3, to: p.from + 6 }, gamma: { from: p.from + 7, to: p.from + 8 } },
    daemons,
    deploys: 0,
    logOffset: 0
  }
  mkdirSync(w.stateDir)
  mkdirSync(w.workDir)
  const r = await runSup(home, ['list'], { env: { ...w.env } })
  expect(r.code, r.stderr).toBe(0)
  return { w, nginxPort: nginx.port }
}

describe.skipIf(!hasNginx)('interleaved operations (seeded, model-based)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}, ${STEPS} steps: every invariant holds after every step`, async () => {
      process.stdout.write(`interleave: seed ${seed}, ${STEPS} steps\n`)
      const { w, nginxPort } = await world()
      const steps = generateSteps(seed, STEPS)
      const verbose = process.env.SUP_INTERLEAVE_VERBOSE === '1'
      const result = await runInterleaving(w, nginxPort, steps, {
        keepGoing: process.env.SUP_INTERLEAVE_KEEP_GOING === '1',
        onStep: (line, violations) => { if (verbose) process.stdout.write(`${[line, ...violations.map((v) => `    ${v}`)].join('\n')}\n`) }
      })
      expect(result.failure, failureReport(seed, steps, result)).toBeNull()
    }, STEPS * STEP_BOUND_MS + 60_000)
  }
})
