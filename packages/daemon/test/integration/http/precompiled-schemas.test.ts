// The build generates ajv's code for every request schema of the daemon's routes (scripts/precompile-schemas.ts), so
// the daemon compiles none: each route's first request is not held up by ajv (docs/performance.md).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { buildServer } from '../../../src/http/server.ts'
import { stubServerDeps } from '../../../scripts/route-stubs.ts'
import { VALIDATORS_DIR, validatorFile, type RouteSchema } from '../../../src/http/lazy-compilers.ts'

describe('generated validators (pnpm build)', () => {
  it('exist for every request schema of every route, the TCP API\'s included', async () => {
    const schemas: RouteSchema[] = []
    const app = buildServer({ ...stubServerDeps(), authorize: () => true }, { compilersFactory: { buildValidator: (() => (route: RouteSchema) => { schemas.push(route); return () => true }) as never } })
    await app.ready()
    await app.close()
    expect(schemas.length).toBeGreaterThan(30)
    const missing = schemas.filter((r) => !existsSync(fileURLToPath(new URL(validatorFile(r), VALIDATORS_DIR)))).map((r) => `${r.method} ${r.url} ${r.httpPart ?? ''}`)
    expect(missing, `no generated validator (run pnpm build) for: ${missing.join(', ')}`).toEqual([])
  })
})
