// fastify's own 4xx errors (FST_ERR_*) translated into sup's registry, so every client sees a SUP_ERR_* code.
import type { FastifyError } from 'fastify'
import { SUP_ERR_BAD_JSON, SUP_ERR_BAD_REQUEST, SUP_ERR_BODY_TOO_LARGE, SUP_ERR_INVALID_INPUT, SUP_ERR_MEDIA_TYPE } from '../errors.ts'

/** A registry error for a fastify error; a SUP_ERR_* one is returned as it is. */
export function toSupError (err: FastifyError): { code: string; message: string; statusCode?: number } {
  const code = err.code ?? ''
  if (code.startsWith('SUP_ERR_')) return err
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SUP_ERR_BAD_JSON(code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'the body is empty but Content-Type is application/json' : err.message)
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SUP_ERR_BODY_TOO_LARGE(err.message)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? new SUP_ERR_MEDIA_TYPE(err.message.replace(/^Unsupported Media Type:?\s*/, '') || '(none)') : new SUP_ERR_BAD_REQUEST(err.message)
    default:
      break
  }
  // secure-json-parse refuses prototype pollution with a SyntaxError of its own (not fastify's code)
  if (/prototype property/i.test(err.message)) return new SUP_ERR_BAD_JSON('a "__proto__" or "constructor.prototype" key is refused')
  if (err instanceof SyntaxError) return new SUP_ERR_BAD_JSON(err.message)
  if (code === 'FST_ERR_VALIDATION') return new SUP_ERR_INVALID_INPUT(err.message)
  return new SUP_ERR_BAD_REQUEST(err.message)
}

/**
 * The API's JSON body parser: fastify's default one says "not valid JSON" for a body with a `__proto__` key and drops
 * the parser's own message; this one says what was wrong. A `__proto__` or `constructor.prototype` key is refused.
 */
export function parseJsonBody (text: string): unknown {
  if (text === '') throw new SUP_ERR_BAD_JSON('the body is empty but Content-Type is application/json')
  try {
    return JSON.parse(text, function (key, value: unknown) {
      if (key === '__proto__' || (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value)) throw new SUP_ERR_BAD_JSON('a "__proto__" or "constructor.prototype" key is refused')
      return value
    })
  } catch (err) {
    if ((err as { code?: string }).code === 'SUP_ERR_BAD_JSON') throw err
    throw new SUP_ERR_BAD_JSON((err as Error).message)
  }
}
