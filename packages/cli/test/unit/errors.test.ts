// What a failure prints: `sup: <message>` and a hint, the daemon's own first, else one by code.
import { SupClientError } from '@sup/client'
import { describe, expect, it } from 'vitest'
import { CliError, formatError, hintFor, prefixError } from '../../src/errors.ts'

describe('formatError', () => {
  it('prints the message and a hint chosen by code', () => {
    expect(formatError(new SupClientError('SUP_ERR_APP_NOT_FOUND', "App 'x' not found", { statusCode: 404 })))
      .toEqual(["sup: App 'x' not found", 'hint: run `sup list` to see apps'])
    expect(formatError(new SupClientError('SUP_ERR_PORT_EXHAUSTED', 'Port range exhausted: 8000-8001', { statusCode: 409 }))[1])
      .toContain('sup scale <app> <N> --port-range <from-to>')
    expect(formatError(new SupClientError('SUP_ERR_INVALID_SPEC', "Invalid instances: 'x'", { statusCode: 400 }))[1])
      .toBe('hint: see `sup start --help`')
  })

  it("prefers the error's own hint", () => {
    expect(formatError(new SupClientError('SUP_ERR_APP_NOT_FOUND', 'm', { hint: 'own' }))).toEqual(['sup: m', 'hint: own'])
    expect(formatError(new CliError('bad --env', { hint: 'use K=V' }))).toEqual(['sup: bad --env', 'hint: use K=V'])
  })

  it("adds no 'chmod +x' to a refused script or interpreter: each refusal says its own way out", () => {
    const ts = "The script '/srv/app.ts' is TypeScript, which node v20.20.2 does not run (Node 22.18+ does: run `sup start` with it, or give --interpreter tsx); nothing was started"
    expect(formatError(new SupClientError('SUP_ERR_NOT_EXECUTABLE', ts, { statusCode: 400 }))).toEqual([`sup: ${ts}`])
  })

  it('prints no hint when none applies', () => {
    expect(formatError(new SupClientError('SUP_ERR_SOMETHING_NEW', 'm'))).toEqual(['sup: m'])
    expect(formatError('plain')).toEqual(['sup: plain'])
  })

  it('adds the stack of unexpected errors with SUP_DEBUG', () => {
    expect(formatError(new TypeError('boom'), { SUP_DEBUG: '1' })).toHaveLength(2)
    expect(formatError(new TypeError('boom'))).toEqual(['sup: boom'])
  })
})

describe('hintFor', () => {
  it('knows the common codes', () => {
    expect(hintFor('SUP_ERR_APP_NOT_FOUND')).toBe('run `sup list` to see apps')
    expect(hintFor('FST_ERR_VALIDATION')).toBe('see `sup start --help`')
    expect(hintFor('NOPE')).toBeUndefined()
    // `sup signal SIGFOO api` is no `sup start` matter: its message says what is wrong
    expect(hintFor('SUP_ERR_INVALID_INPUT')).toBeUndefined()
  })
})

describe('prefixError', () => {
  it('names the app and keeps code and hint', () => {
    const err = prefixError(new SupClientError('SUP_ERR_APP_NOT_FOUND', "App 'x' not found"), "app 'x'")
    expect(err.code).toBe('SUP_ERR_APP_NOT_FOUND')
    expect(formatError(err)).toEqual(["sup: app 'x': App 'x' not found", 'hint: run `sup list` to see apps'])
  })
})

describe('terminal safety of error messages', () => {
  it('escape sequences a worker printed (inside SUP_ERR_RELOAD_FAILED) are shown escaped, lines kept', () => {
    const err = new SupClientError('SUP_ERR_RELOAD_FAILED', "Reload of 'web' stopped: its last output:\n\u001b]0;pwned\u0007\u001b[2Jboom\r", { statusCode: 502 })
    const lines = formatError(err)
    expect(lines.join('\n')).not.toMatch(/\u001b|\u0007|\r/)
    expect(lines[1]).toBe('  \\e]0;pwned\\x07\\e[2Jboom\\r')
  })
})
