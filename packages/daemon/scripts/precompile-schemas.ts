// Writes generated/validators/: the ajv code of every route's request schemas (body, querystring, params), generated
// once here at build instead of compiled by the daemon on each route's first use (docs/performance.md). Run by the
// bundle script before tsup, which copies it beside the bundle. The daemon compiles a schema itself when its file is
// missing or was generated from another version of it (http/lazy-compilers.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { buildServer } from '../src/http/server.ts'
import { GENERATED_REQUIRES, validatorFile, type RouteSchema } from '../src/http/lazy-compilers.ts'
import { stubServerDeps } from './route-stubs.ts'
import { AppSpecInput, AppView } from '@sup/protocol'
import { HANDOFF_SCHEMAS_FILE, type HandoffSchemas } from '../src/http/handed-start.ts'

const require = createRequire(import.meta.url)
const { StandaloneValidator } = require('@fastify/ajv-compiler') as { StandaloneValidator: (o: unknown) => never }
const out = new URL('../generated/validators/', import.meta.url)
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

let written = 0
const skipped: string[] = []
const store = (route: RouteSchema, code: string): void => {
  const unknown = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1] ?? '').filter((n) => !(n in GENERATED_REQUIRES))
  if (unknown.length > 0) { skipped.push(`${route.method} ${route.url} ${route.httpPart ?? ''} (requires ${unknown.join(', ')})`); return }
  writeFileSync(new URL(validatorFile(route), out), code)
  written++
}

// Every optional route group is served (the stubs are defined), so every request schema is compiled at ready()
const app = buildServer(stubServerDeps(), { compilersFactory: { buildValidator: StandaloneValidator({ readMode: false, storeFunction: store }) } })
await app.ready()
await app.close()
// The start handoff's two schemas as JSON: the daemon checks a handed request before it loads typebox (handed-start.ts)
const handoffSchemas: HandoffSchemas = { body: AppSpecInput, answer: AppView }
writeFileSync(new URL(HANDOFF_SCHEMAS_FILE, out), JSON.stringify(handoffSchemas))
process.stdout.write(`precompile-schemas: ${written} validators in generated/validators/${skipped.length > 0 ? `; left to compile at run time: ${skipped.join('; ')}` : ''}\n`)
