// The CLI refuses a daemon of another API version, and says how to replace it.
import { PROTOCOL_VERSION } from '@sup/protocol'
import { describe, expect, it } from 'vitest'
import { checkProtocol } from '../../src/protocol-check.ts'

const health = { ok: true, pid: 42, version: '9.9.9', home: '/h' }

describe('checkProtocol', () => {
  it('accepts a daemon of the same protocol', () => {
    expect(() => checkProtocol({ ...health, protocol: PROTOCOL_VERSION })).not.toThrow()
  })

  it.each([
    ['another protocol', { ...health, protocol: PROTOCOL_VERSION + 1 }, `protocol ${PROTOCOL_VERSION + 1}`],
    ['no protocol (a sup 0.1.0 daemon)', health, 'protocol none']
  ])('refuses %s, naming both sides and `sup daemon --restart`', (_name, answer, theirs) => {
    const err = (() => { try { checkProtocol(answer); return undefined } catch (e) { return e } })()
    expect(err).toMatchObject({ code: 'SUP_ERR_PROTOCOL_MISMATCH', hint: expect.stringContaining('sup daemon --restart') })
    expect((err as Error).message).toContain('pid 42, sup 9.9.9')
    expect((err as Error).message).toContain(theirs)
  })
})
