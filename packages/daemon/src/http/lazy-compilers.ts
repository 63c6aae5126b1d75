// fastify's own schema compilers (ajv for requests, fast-json-stringify for responses), each schema compiled the
// first time its route is used instead of all ~120 at ready(): the daemon answers its first request sooner and
// keeps in memory only the compiled code of the routes it serves (docs/performance.md). Same compilers, same
// options, same behaviour: a route's validator and serializer are what fastify would have built, only later.
import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

type Fn = (...args: unknown[]) => unknown
type RouteCompiler = (route: unknown) => Fn
type Builder = (externalSchemas: unknown, options: unknown) => RouteCompiler

// Required, not imported, so that the bundle evaluates ajv and fast-json-stringify on the first compilation only:
// esbuild turns a literal require() into a lazy call to the bundled module; from source, the ESM require is used.
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

/**
 * A function that compiles on its first call. fastify reads `errors` (ajv's last errors) and `schemaEnv` (ajv's
 * compiled schema: fastify then passes the parent data so coercion can write back) off a validator: both are
 * forwarded from the compiled function.
 */
function lazyFunction (compile: () => Fn): Fn {
  let compiled: Fn | null = null
  const get = (): Fn => (compiled ??= compile())
  const lazy = function (this: unknown, ...args: unknown[]): unknown {
    const fn = get()
    const result = fn.apply(this, args)
    ;(lazy as unknown as { errors: unknown }).errors = (fn as unknown as { errors?: unknown }).errors
    return result
  }
  Object.defineProperty(lazy, 'schemaEnv', { get: () => (get() as unknown as { schemaEnv?: unknown }).schemaEnv })
  return lazy
}

/** A compilers factory (fastify's `schemaController.compilersFactory` shape) whose compilers defer to `selector`. */
function lazyBuilder (selector: () => Builder): Builder {
  return (externalSchemas, options) => {
    let compiler: RouteCompiler | null = null
    return (route) => lazyFunction(() => (compiler ??= selector()(externalSchemas, options))(route))
  }
}

/** fastify's `schemaController` option: its default compilers, compiling each route's schemas on first use. */
export function lazySchemaController (): NonNullable<FastifyServerOptions['schemaController']> {
  let validators: Builder | null = null
  let serializers: Builder | null = null
  return { // the compiled functions are ajv's and fast-json-stringify's; only their type is unknown here
    compilersFactory: {
      buildValidator: lazyBuilder(() => (validators ??= loadAjvCompiler()())),
      buildSerializer: lazyBuilder(() => (serializers ??= loadSerializerCompiler()()))
    }
  } as NonNullable<FastifyServerOptions['schemaController']>
}
