// pickDeclared: an answer keeps only the fields its response schema declares, at every depth.
import { Type } from 'typebox'
import { describe, expect, it } from 'vitest'
import { AppList, HealthView } from '@sup/protocol'
import { pickDeclared } from '../../../src/http/answer-shape.ts'

describe('pickDeclared', () => {
  it('drops undeclared fields in nested objects, arrays and union branches', () => {
    const schema = Type.Object({
      a: Type.String(),
      list: Type.Array(Type.Object({ x: Type.Integer() })),
      u: Type.Union([Type.Object({ p: Type.String() }), Type.Object({ q: Type.String() }), Type.Null()]),
      rec: Type.Record(Type.String(), Type.Object({ v: Type.String() })),
      any: Type.Record(Type.String(), Type.Unknown())
    })
    const value = { a: 'ok', secret: 's', list: [{ x: 1, y: 2 }], u: { p: 'p', q: 'q', r: 'r' }, rec: { k: { v: 'v', w: 'w' } }, any: { k: { deep: 1 } } }
    expect(pickDeclared(schema, value)).toEqual({ a: 'ok', list: [{ x: 1 }], u: { p: 'p', q: 'q' }, rec: { k: { v: 'v' } }, any: { k: { deep: 1 } } })
    expect((pickDeclared(schema, { ...value, u: null }) as { u: unknown }).u).toBeNull()
  })

  it('leaves values the schema says nothing about', () => {
    expect(pickDeclared({}, { a: 1 })).toEqual({ a: 1 })
    expect(pickDeclared(Type.String(), 'x')).toBe('x')
    const d = new Date(0)
    expect((pickDeclared(Type.Object({ d: Type.Unknown() }), { d }) as { d: unknown }).d).toBe(d)
  })

  it('cuts the protocol views: health settings, an app list', () => {
    const health = { ok: true, pid: 1, version: 'v', home: '/h', settings: { 'a.b': { value: 'x', source: 'env', token: 't' } }, token: 't' }
    expect(pickDeclared(HealthView, health)).toEqual({ ok: true, pid: 1, version: 'v', home: '/h', settings: { 'a.b': { value: 'x', source: 'env' } } })
    expect(pickDeclared(AppList, { apps: [], extra: 1 })).toEqual({ apps: [] })
  })
})
