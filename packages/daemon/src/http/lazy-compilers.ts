// The daemon's schema compilers (fastify's `schemaController`): requests are validated by ajv, answers written by
// JSON.stringify (docs/performance.md).
// - A request schema's ajv code is generated once, by the build (scripts/precompile-schemas.ts writes validators/):
//   the daemon loads the code of a route's schema on the route's first use. A schema with no code there, or code
//   generated from another version of it, is compiled by ajv on first use instead, with the same options: the same
//   validation and the same error messages either way.
// - Answers: cut to the fields their response schema declares (answer-shape.ts), then JSON.stringify; not a
//   serializer compiled from each response schema (fast-json-stringify: ~70 ms for the health answer alone, paid by
//   the first command after a daemon start). Only declared fields leave the daemon, as before. With `checkAnswers`
//   (the tests) every answer is also written by fast-json-stringify from its route's schema, and any difference (a
//   wrong type, a field written differently) is an error.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isDeepStrictEqual } from 'node:util'
import type { FastifyServerOptions } from 'fastify'
import { pickDeclared } from './answer-shape.ts'

type Fn = (...args: unknown[]) => unknown
type RouteCompiler = (route: RouteSchema) => Fn
type Builder = (externalSchemas: unknown, options: unknown) => RouteCompiler

/** A route schema as fastify hands it to a compiler. */
export interface RouteSchema { schema: unknown; method: string; url: string; httpPart?: string; httpStatus?: string; contentType?: string }

// Required, not imported, so that the bundle evaluates ajv and fast-json-stringify on first use only: esbuild turns
// a literal require() into a lazy call to the bundled module; from source, the ESM require is used.
const sourceRequire = createRequire(import.meta.url)
const hasRequire = typeof require === 'function'
function loadAjvCompiler (): () => Builder {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
  return (hasRequire ? require('@fastify/ajv-compiler') : sourceRequire('@fastify/ajv-compiler')) as () => Builder
}
function loadSerializerCompiler (): () => Builder {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose (see above)
  return (hasRequire ? require('@fastify/fast-json-stringify-compiler') : sourceRequire('@fastify/fast-json-stringify-compiler')) as () => Builder
}

/** What generated ajv code may require (ajv's runtime helpers); the generator leaves out code that needs more. */
export const GENERATED_REQUIRES: Readonly<Record<string, () => unknown>> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  'ajv/dist/runtime/ucs2length': () => hasRequire ? require('ajv/dist/runtime/ucs2length') : sourceRequire('ajv/dist/runtime/ucs2length')
}

/** Where the build put the generated validators: beside the bundle (bundle/validators/), or generated/ from source. */
export const VALIDATORS_DIR = new URL(import.meta.url.endsWith('.ts') ? '../../generated/validators/' : './validators/', import.meta.url)

/** The file of a route schema's generated validator: where it is used, and the schema itself (stale code is never found). */
export function validatorFile (r: RouteSchema): string {
  const key = `${r.method} ${r.url} ${r.httpPart ?? ''} ${JSON.stringify(r.schema) ?? ''}`
  return `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.js`
}

/** The generated validator of a route schema, or null when the build made none for it (or it cannot be loaded). */
export function generatedValidator (dir: URL, route: RouteSchema): Fn | null {
  let code: string
  try { code = readFileSync(new URL(validatorFile(route), dir), 'utf8') } catch { return null }
  const module: { exports: unknown } = { exports: {} }
  const requireHelper = (name: string): unknown => {
    const load = GENERATED_REQUIRES[name]
    if (load === undefined) throw new Error(`generated validator requires ${name}`)
    return load()
  }
  try {
    // the build's own output, evaluated as ajv's compile would have evaluated the same code
    new Function('module', 'exports', 'require', code)(module, module.exports, requireHelper)
  } catch { return null }
  return typeof module.exports === 'function' ? module.exports as Fn : null
}

/**
 * A function that builds its implementation on its first call. fastify reads `errors` (ajv's last errors) and
 * `schemaEnv` (ajv's compiled schema: fastify then passes the parent data so coercion can write back) off a
 * validator: both are forwarded from the built function.
 */
function lazyFunction (build: () => Fn): Fn {
  let built: Fn | null = null
  const get = (): Fn => (built ??= build())
  const lazy = function (this: unknown, ...args: unknown[]): unknown {
    const fn = get()
    const result = fn.apply(this, args)
    ;(lazy as unknown as { errors: unknown }).errors = (fn as unknown as { errors?: unknown }).errors
    return result
  }
  Object.defineProperty(lazy, 'schemaEnv', { get: () => (get() as unknown as { schemaEnv?: unknown }).schemaEnv })
  return lazy
}

/** The answer cut to its schema's fields, as JSON; with bySchemaOf (checkAnswers), it fails where that serializer writes otherwise. */
function answerWriter (route: RouteSchema, bySchemaOf: Fn | null): Fn {
  const write = (data: unknown): string => JSON.stringify(pickDeclared(route.schema, data))
  if (bySchemaOf === null) return write as Fn
  return (data) => {
    const text = write(data)
    const bySchema = bySchemaOf(data) as string
    if (!isDeepStrictEqual(JSON.parse(text) as unknown, JSON.parse(bySchema) as unknown)) {
      throw new Error(`${route.method} ${route.url} ${route.httpStatus ?? ''}: the answer is not what its schema writes\n  answer: ${text}\n  schema: ${bySchema}`)
    }
    return text
  }
}

export interface SchemaControllerOptions {
  /** Check every answer against its route's response schema (tests); off in the daemon. */
  readonly checkAnswers?: boolean
  /** Where the generated validators are (tests). */
  readonly validatorsDir?: URL
  /** Replaces ajv's compiler factory (tests). */
  readonly ajv?: () => () => Builder
}

/** fastify's `schemaController` option (see the top of this file). */
export function lazySchemaController (opts: SchemaControllerOptions = {}): NonNullable<FastifyServerOptions['schemaController']> {
  const dir = opts.validatorsDir ?? VALIDATORS_DIR
  const loadAjv = opts.ajv ?? loadAjvCompiler
  let validators: Builder | null = null
  let serializers: Builder | null = null
  return { // the built functions are ajv's (or its generated code) and answer writers; only their type is unknown here
    compilersFactory: {
      buildValidator: (externalSchemas: unknown, options: unknown) => {
        let compiler: RouteCompiler | null = null
        return (route: RouteSchema) => lazyFunction(() => generatedValidator(dir, route) ?? (compiler ??= (validators ??= loadAjv()())(externalSchemas, options))(route))
      },
      buildSerializer: (externalSchemas: unknown, options: unknown) => {
        let compiler: RouteCompiler | null = null
        const compile = (route: RouteSchema): Fn => (compiler ??= (serializers ??= loadSerializerCompiler()())(externalSchemas, options))(route)
        return (route: RouteSchema) => answerWriter(route, opts.checkAnswers === true ? lazyFunction(() => compile(route)) : null)
      }
    }
  } as unknown as NonNullable<FastifyServerOptions['schemaController']>
}
