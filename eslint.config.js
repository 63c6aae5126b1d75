// Lint: typescript-eslint recommended, plus the house boundaries (a pure core, small files).
import tseslint from 'typescript-eslint'

const CORE_BANNED_MODULES = ['execa', 'better-sqlite3', 'fastify', 'tar', 'chokidar', 'pidusage', 'pino']

export default tseslint.config(
  { ignores: ['.tmp/**', 'packed/**', '**/dist/**', '**/lib/**', '**/bundle/**', '**/node_modules/**', 'bench/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error'
    }
  },
  {
    files: ['packages/daemon/src/core/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['node:*'], message: 'core/ is pure: no node:* imports' }],
        paths: CORE_BANNED_MODULES.map((name) => ({ name, message: 'core/ is pure: adapters only' }))
      }],
      'no-restricted-globals': ['error', 'process', 'setTimeout', 'setInterval', 'Buffer', 'performance'],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'core/ takes `now` as an argument' }]
    }
  },
  {
    files: ['packages/cli/src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' }
  }
)
