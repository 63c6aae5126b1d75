// Runs the interleaving test (test/e2e/interleave.test.ts) long: a few hundred steps, a fresh seed by default.
//
//   node scripts/interleave.mjs                      300 steps, one random seed (printed: replay it with --seed)
//   node scripts/interleave.mjs --seed 42 --steps 60 replay: the same seed and steps give the same operations
//   node scripts/interleave.mjs --seed 1,2,3         several seeds, one after the other
//   node scripts/interleave.mjs --keep-going         do not stop at the first broken step (survey what breaks)
//   node scripts/interleave.mjs --quiet              do not print each step as it runs
//
// Builds nothing: run `npx -y pnpm@10.34.8 build` first (the test runs the built CLI and daemon). Needs nginx.
// The same is reachable with environment variables and plain vitest:
//   SUP_INTERLEAVE_SEED=<n|random|a,b> SUP_INTERLEAVE_STEPS=<n> [SUP_INTERLEAVE_KEEP_GOING=1] [SUP_INTERLEAVE_VERBOSE=1] \
//     npx vitest run test/e2e/interleave.test.ts
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const value = (name, fallback) => { const i = args.indexOf(name); return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback }
const has = (name) => args.includes(name)
if (has('--help') || has('-h')) {
  process.stdout.write('usage: node scripts/interleave.mjs [--seed <n|random|a,b>] [--steps <n>] [--keep-going] [--quiet]\n')
  process.exit(0)
}

let seed = value('--seed', 'random')
// a random seed is drawn here, so it is printed before anything runs (and in vitest's test name)
if (seed === 'random') seed = String(Math.floor(Math.random() * 2 ** 32))
const steps = value('--steps', '300')
process.stdout.write(`interleave: seed ${seed}, ${steps} steps (replay: node scripts/interleave.mjs --seed ${seed} --steps ${steps})\n`)
const r = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/e2e/interleave.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    SUP_INTERLEAVE_SEED: seed,
    SUP_INTERLEAVE_STEPS: steps,
    SUP_INTERLEAVE_KEEP_GOING: has('--keep-going') ? '1' : '0',
    SUP_INTERLEAVE_VERBOSE: has('--quiet') ? '0' : '1'
  }
})
process.exit(r.status ?? 1)
