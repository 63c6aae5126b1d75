// The daemon's schema compilers: request schemas from the build's generated ajv code (or ajv on first use), answers
// by JSON.stringify, checked against the response schema when asked (tests).
import Fastify from 'fastify'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { lazySchemaController, validatorFile, type RouteSchema, type SchemaControllerOptions } from '../../../src/http/lazy-compilers.ts'

const QUERY = { type: 'object', properties: { n: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }
const BODY = { type: 'object', required: ['x'], properties: { x: { type: 'string', maxLength: 3 } } }
const AJV = { customOptions: { removeAdditional: false as const, coerceTypes: 'array' as const, allErrors: false } }

// The daemon's fastify options (http/server.ts): ajv without removeAdditional, with coercion.
function server (opts: SchemaControllerOptions = {}, answer: Record<string, unknown> = {}) {
  const app = Fastify({ logger: false, ajv: AJV, schemaController: lazySchemaController(opts) })
  app.get('/n', {
    schema: { querystring: QUERY, response: { 200: { type: 'object', properties: { n: { type: 'integer' }, kind: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } } } }
  }, async (req) => ({ ...(req.query as object), kind: typeof (req.query as { n?: unknown }).n, ...answer }))
  app.post('/x', { schema: { body: BODY } }, async () => ({}))
  return app
}

/** A validators directory with ajv's standalone code for the given route schemas, as the build writes it. */
function generate (routes: RouteSchema[]): URL {
  const dir = mkdtempSync(join(tmpdir(), 'sup-validators-'))
  dirs.push(dir)
  const require = createRequire(import.meta.url)
  const { StandaloneValidator } = require('@fastify/ajv-compiler') as { StandaloneValidator: (o: unknown) => () => (e: unknown, o: unknown) => (r: RouteSchema) => unknown }
  const compile = StandaloneValidator({ readMode: false, storeFunction: (r: RouteSchema, code: string) => writeFileSync(join(dir, validatorFile(r)), code) })
  const factory = (compile as unknown as (e: unknown, o: unknown) => (r: RouteSchema) => unknown)({}, structuredClone(AJV))
  for (const r of routes) factory(r)
  return pathToFileURL(`${dir}/`)
}
const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

const refusing = (): never => { throw new Error('ajv was loaded') }

describe('request schemas', () => {
  it('coerces the querystring and rejects invalid input with ajv\'s messages, compiled on first use', async () => {
    const app = server({ validatorsDir: pathToFileURL('/nonexistent/') })
    for (let i = 0; i < 2; i++) {
      expect((await app.inject({ url: '/n?n=42&tags=a' })).json()).toEqual({ n: 42, kind: 'number', tags: ['a'] })
      expect((await app.inject({ url: '/n?n=x' })).json().message).toBe('querystring/n must be integer')
      expect((await app.inject({ url: '/n?zzz=1' })).json().message).toBe('querystring must NOT have additional properties')
    }
    expect((await app.inject({ method: 'POST', url: '/x', payload: {} })).json().message).toBe("body must have required property 'x'")
    await app.close()
  })

  it('uses the build\'s generated code: the same validation and messages, and ajv is never loaded', async () => {
    const dir = generate([
      { schema: QUERY, method: 'GET', url: '/n', httpPart: 'querystring' },
      { schema: BODY, method: 'POST', url: '/x', httpPart: 'body' }
    ])
    const app = server({ validatorsDir: dir, ajv: refusing })
    expect((await app.inject({ url: '/n?n=42&tags=a' })).json()).toEqual({ n: 42, kind: 'number', tags: ['a'] })
    expect((await app.inject({ url: '/n?n=x' })).json().message).toBe('querystring/n must be integer')
    expect((await app.inject({ method: 'POST', url: '/x', payload: {} })).json().message).toBe("body must have required property 'x'")
    expect((await app.inject({ method: 'POST', url: '/x', payload: { x: 'long' } })).json().message).toBe('body/x must NOT have more than 3 characters')
    expect((await app.inject({ method: 'POST', url: '/x', payload: { x: 'ok' } })).statusCode).toBe(200)
    await app.close()
  })

  it('compiles a schema whose generated code was made from another version of it', async () => {
    const dir = generate([{ schema: { ...BODY, required: [] }, method: 'POST', url: '/x', httpPart: 'body' }])
    const app = server({ validatorsDir: dir, ajv: refusing })
    const res = await app.inject({ method: 'POST', url: '/x', payload: {} })
    expect(res.statusCode).toBe(500) // it went to ajv, refused here: the stale code was not used
    await app.close()
  })

  it('compiles nothing at ready(): a route\'s schema is compiled when the route is first used', async () => {
    const app = server()
    // A schema ajv refuses: fastify's eager compilers would fail ready() with FST_ERR_SCH_VALIDATION_BUILD.
    app.post('/broken', { schema: { body: { type: 'no-such-type' } } }, async () => ({}))
    await expect(app.ready()).resolves.toBeDefined()
    expect((await app.inject({ method: 'POST', url: '/broken', payload: {} })).statusCode).toBe(500)
    await app.close()
  })
})

describe('answers', () => {
  it('carry only the fields their response schema declares', async () => {
    const app = server({}, { secret: 'not in the schema' })
    expect((await app.inject({ url: '/n?n=1&tags=a' })).json()).toEqual({ n: 1, kind: 'number', tags: ['a'] })
    await app.close()
  })

  it('with checkAnswers, an answer the schema\'s serializer writes differently is an error', async () => {
    const app = server({ checkAnswers: true }, { kind: 7 }) // fast-json-stringify writes "7" for a string field
    expect((await app.inject({ url: '/n?n=1' })).statusCode).toBe(500)
    await app.close()
    const fine = server({ checkAnswers: true }, { secret: 'dropped by both' })
    expect((await fine.inject({ url: '/n?n=1' })).json()).toEqual({ n: 1, kind: 'number' })
    await fine.close()
  })
})
