import { defineConfig } from 'vitest/config'

// Three projects: pure unit tests (fast), integration (real processes + sqlite), e2e (built CLI + daemon + nginx).
const ssr = { resolve: { conditions: ['@sup/source'] } }
// Every daemon and server a test starts checks each answer against its response schema (http/lazy-compilers.ts).
// The CLIs and daemons the tests start keep their compile cache (node >= 22.8) in .tmp/, not in the user's ~/.cache.
const env = { SUP_CHECK_ANSWERS: '1', SUP_COMPILE_CACHE: new URL('./.tmp/compile-cache', import.meta.url).pathname }

export default defineConfig({
  test: {
    projects: [
      { ssr, test: { name: 'unit', env, include: ['packages/*/test/unit/**/*.test.ts'], testTimeout: 5_000 } },
      { ssr, test: { name: 'integration', env, include: ['packages/*/test/integration/**/*.test.ts'], pool: 'forks', testTimeout: 30_000, hookTimeout: 30_000 } },
      { ssr, test: { name: 'e2e', env, include: ['test/e2e/**/*.test.ts'], pool: 'forks', fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 } }
    ]
  }
})
