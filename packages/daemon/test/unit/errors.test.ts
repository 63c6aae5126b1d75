// Contract: each exported error's name equals its code, codes follow SUP_ERR_<AREA>_<DETAIL>, and docs/errors.md lists each.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as errors from '../../src/errors.ts'

const docs = readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8')

describe('error registry', () => {
  it.each(Object.entries(errors))('%s', (name, ctor) => {
    const err = new (ctor as new (...a: string[]) => Error & { code: string; statusCode: number })('a', 'b')
    expect(err.code).toBe(name)
    expect(name).toMatch(/^SUP_ERR_[A-Z]+(_[A-Z]+)*$/)
    expect(err.statusCode).toBeGreaterThanOrEqual(400)
    expect(docs).toContain(`\`${name}\``)
  })
})
