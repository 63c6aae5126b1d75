// Port decisions: parsing ranges, which ports a worker may try (never one another worker holds), and the exhausted error.
import { describe, expect, it } from 'vitest'
import { candidatePorts, formatPortRange, parsePortRange, portExhaustedError } from '../../../src/core/port-allocator.ts'

describe('parsePortRange', () => {
  it.each([
    ['8000-8004', 8000, 8004], ['8000', 8000, 8000], [' 9000 - 9010 ', 9000, 9010], ['1024-65535', 1024, 65535]
  ])('%j → %i..%i', (text, from, to) => {
    expect(parsePortRange(text)).toEqual({ from, to })
  })

  it.each([
    ['70000', /70000 is above 65535/],
    ['80-90', /80 is below 1024/],
    ['1023', /below 1024/],
    ['9000-8000', /9000-8000 is inverted/],
    ['8000-70000', /above 65535/],
    ['abc', /not a range/],
    ['8000-', /not a range/],
    ['8000,8001', /not a range/],
    ['', /not a range/]
  ])('refuses %j with SUP_ERR_INVALID_SPEC', (text, message) => {
    expect(() => parsePortRange(text)).toThrow(expect.objectContaining({ code: 'SUP_ERR_INVALID_SPEC', message: expect.stringMatching(message) }))
  })

  it('formats a range back the way it is typed', () => {
    expect(formatPortRange({ from: 8000, to: 8004 })).toBe('8000-8004')
    expect(formatPortRange({ from: 8000, to: 8000 })).toBe('8000')
  })
})

describe('candidatePorts', () => {
  const range = { from: 8000, to: 8004 }

  it('lists the range lowest first, skipping ports other workers hold', () => {
    expect(candidatePorts(range, new Map([[8000, 'api:0'], [8002, 'web:0']]))).toEqual([8001, 8003, 8004])
  })

  it('puts the preferred (previous) port first and lists it once', () => {
    expect(candidatePorts(range, new Map([[8000, 'api:0']]), 8003)).toEqual([8003, 8001, 8002, 8004])
  })

  it.each([
    ['held by another worker', 8001],
    ['outside the range', 9000]
  ])('ignores a preferred port %s', (_why, preferred) => {
    expect(candidatePorts(range, new Map([[8001, 'web:0']]), preferred)).toEqual([8000, 8002, 8003, 8004])
  })

  it('is empty when every port is held', () => {
    expect(candidatePorts({ from: 8000, to: 8001 }, new Map([[8000, 'a:0'], [8001, 'b:0']]))).toEqual([])
  })
})

describe('portExhaustedError', () => {
  it('names who holds each port and what to do', () => {
    const err = portExhaustedError({ from: 8000, to: 8002 }, 2, new Map([[8000, 'api:0 (pid 41)'], [8002, 'web:0']]), [8001]) as Error & { code: string; statusCode: number }
    expect(err.code).toBe('SUP_ERR_PORT_EXHAUSTED')
    expect(err.statusCode).toBe(409)
    expect(err.message).toContain('8000-8002')
    expect(err.message).toContain('2 more worker(s)')
    expect(err.message).toContain('8000 held by api:0 (pid 41)')
    expect(err.message).toContain('8001 in use by a process outside sup')
    expect(err.message).toContain('8002 held by web:0')
    expect(err.message).toMatch(/Widen the app's port range or free a port/)
  })

  it('reads cleanly when the range is simply too small (no port in use)', () => {
    const err = portExhaustedError({ from: 8000, to: 8001 }, 3, new Map(), [])
    expect(err.message).toContain('no room for 3 more worker(s)')
    expect(err.message).not.toMatch(/: \)/)
  })

  it('keeps the message bounded for a huge range', () => {
    const held = new Map(Array.from({ length: 1000 }, (_, i) => [8000 + i, `big:${i}`] as [number, string]))
    const err = portExhaustedError({ from: 8000, to: 8999 }, 1, held, [])
    expect(err.message.length).toBeLessThan(1_000)
    expect(err.message).toContain('8000 held by big:0')
  })
})
