import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { lazySchemaController } from '../../../src/http/lazy-compilers.ts'

// The daemon's fastify options (http/server.ts): ajv without removeAdditional, with coercion.
function server () {
  const app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } }, schemaController: lazySchemaController() })
  app.get('/n', {
    schema: {
      querystring: { type: 'object', properties: { n: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } }, additionalProperties: false },
      response: { 200: { type: 'object', properties: { n: { type: 'integer' }, kind: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } } } }
    }
  }, async (req) => ({ ...(req.query as object), kind: typeof (req.query as { n?: unknown }).n, secret: 'not in the schema' }))
  app.post('/never', { schema: { body: { type: 'object', required: ['x'], properties: { x: { type: 'string' } } } } }, async () => ({}))
  return app
}

describe('lazySchemaController: fastify\'s compilers, compiled on first use', () => {
  it('coerces the querystring (ajv) and serializes by the response schema (fast-json-stringify drops other fields)', async () => {
    const app = server()
    const res = await app.inject({ url: '/n?n=42&tags=a' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ n: 42, kind: 'number', tags: ['a'] })
    await app.close()
  })

  it('rejects invalid input with ajv\'s message, the same on every call', async () => {
    const app = server()
    for (let i = 0; i < 2; i++) {
      const bad = await app.inject({ url: '/n?n=x' })
      expect(bad.statusCode).toBe(400)
      expect(bad.json().message).toBe('querystring/n must be integer')
      const extra = await app.inject({ url: '/n?zzz=1' })
      expect(extra.statusCode).toBe(400)
      expect(extra.json().message).toBe('querystring must NOT have additional properties')
    }
    const body = await app.inject({ method: 'POST', url: '/never', payload: {} })
    expect(body.json().message).toBe("body must have required property 'x'")
    await app.close()
  })

  it('compiles nothing at ready(): a route\'s schema is compiled when the route is first used', async () => {
    const app = server()
    // A schema ajv refuses: fastify's eager compilers would fail ready() with FST_ERR_SCH_VALIDATION_BUILD.
    app.post('/broken', { schema: { body: { type: 'no-such-type' } } }, async () => ({}))
    await expect(app.ready()).resolves.toBeDefined()
    const res = await app.inject({ method: 'POST', url: '/broken', payload: {} })
    expect(res.statusCode).toBe(500)
    await app.close()
  })
})
