import { describe, expect, it } from 'vitest'
import { createLineLogger } from '../../../src/logs/line-logger.ts'

function capture (level: string) {
  const lines: string[] = []
  const log = createLineLogger({ level, base: { pid: 7, component: 'logd' } }, { write: (l) => { lines.push(l) } }, () => 1234)
  return { log, records: () => lines.map((l) => { expect(l.endsWith('\n')).toBe(true); return JSON.parse(l) as Record<string, unknown> }) }
}

describe('createLineLogger (sup-logd\'s own log, pino\'s line format)', () => {
  it('writes one JSON line per call: level number, time, base fields, the object\'s fields, msg', () => {
    const { log, records } = capture('info')
    log.info({ home: '/h' }, 'sup-logd ready')
    log.warn('plain message')
    expect(records()).toEqual([
      { level: 30, time: 1234, pid: 7, component: 'logd', home: '/h', msg: 'sup-logd ready' },
      { level: 40, time: 1234, pid: 7, component: 'logd', msg: 'plain message' }
    ])
  })

  it('drops lines below the level', () => {
    const { log, records } = capture('warn')
    log.debug({}, 'no'); log.info({}, 'no'); log.error({}, 'yes'); log.fatal({}, 'yes too')
    expect(records().map((r) => r.level)).toEqual([50, 60])
  })

  it('serializes errors as pino does (type, message, stack, own fields such as code)', () => {
    const { log, records } = capture('info')
    const err = Object.assign(new Error('disk full'), { code: 'ENOSPC' })
    log.error({ err, where: 'write' }, 'collector error')
    const [r] = records()
    expect(r?.err).toMatchObject({ type: 'Error', message: 'disk full', code: 'ENOSPC' })
    expect(String((r?.err as { stack: string }).stack)).toContain('disk full')
    expect(r?.where).toBe('write')
  })

  it('still writes a line when the fields cannot be serialized', () => {
    const { log, records } = capture('info')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    log.warn({ cyclic }, 'odd')
    expect(records()).toEqual([{ level: 40, time: 1234, pid: 7, component: 'logd', msg: 'odd', unserializable: true }])
  })
})
