import { defineConfig } from 'vitest/config'

// Three projects: pure unit tests (fast), integration (real processes + sqlite), e2e (built CLI + daemon + nginx).
const ssr = { resolve: { conditions: ['@sup/source'] } }

export default defineConfig({
  test: {
    projects: [
      { ssr, test: { name: 'unit', include: ['packages/*/test/unit/**/*.test.ts'], testTimeout: 5_000 } },
      { ssr, test: { name: 'integration', include: ['packages/*/test/integration/**/*.test.ts'], pool: 'forks', testTimeout: 30_000, hookTimeout: 30_000 } },
      { ssr, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], pool: 'forks', fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 } }
    ]
  }
})
