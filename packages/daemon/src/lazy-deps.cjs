'use strict'
// The daemon's rarely used dependencies, bundled apart as bundle/lazy-deps.cjs (tsup.config.ts): the file is read
// when one of them is first needed, and each is evaluated on its own first use. The sources never import this file.
module.exports = {
  get ajvCompiler () { return require('@fastify/ajv-compiler') },
  get serializerCompiler () { return require('@fastify/fast-json-stringify-compiler') },
  // fastify's inject(); its own dependency, so resolved from fastify (tsup.config.ts)
  get lightMyRequest () { return require('light-my-request') }
}
