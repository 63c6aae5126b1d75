// `sup config set logs.maxSize|logs.files`: the log rotation an app gets when its definition does not say.
import { describe, expect, it } from 'vitest'
import { normalizeAppSpec, specDefaultsOf } from '../../../src/core/app-spec.ts'
import { DEFAULT_LOGS } from '../../../src/core/defaults.ts'
import { liveSettingsFrom } from '../../../src/settings/boot.ts'
import { settingDef } from '../../../src/settings/schema.ts'

const portPool = { from: 8000, to: 8999 }

describe('log defaults', () => {
  it('are checked like --log-max-size / --log-files: a bad value is refused with why', () => {
    expect(settingDef('logs.maxSize')?.check('2M')).toBe('2M')
    expect(() => settingDef('logs.maxSize')?.check('12')).toThrow(/at least/)
    expect(() => settingDef('logs.maxSize')?.check('big')).toThrow(/not a size/)
    expect(settingDef('logs.files')?.check('3')).toBe('3')
    expect(() => settingDef('logs.files')?.check('0')).toThrow(/from 1 to/)
  })

  it('apply to an app that does not say, never to one that does', () => {
    const live = liveSettingsFrom({ SUP_LOG_MAX_SIZE: '2M', SUP_LOG_FILES: '3' })
    const defaults = specDefaultsOf({ portPool, logDefaults: { maxSize: live.logMaxSize, files: live.logFiles } })
    const plain = normalizeAppSpec({ script: '/srv/app.js' }, defaults)
    expect([plain.logMaxSize, plain.logFiles]).toEqual([2 * 1024 * 1024, 3])
    const own = normalizeAppSpec({ script: '/srv/app.js', logMaxSize: '1M', logFiles: 7 }, defaults)
    expect([own.logMaxSize, own.logFiles]).toEqual([1024 * 1024, 7])
  })

  it('are the built-in ones when nothing is set', () => {
    const live = liveSettingsFrom({})
    expect([live.logMaxSize, live.logFiles]).toEqual([DEFAULT_LOGS.maxSize, DEFAULT_LOGS.files])
    const spec = normalizeAppSpec({ script: '/srv/app.js' }, specDefaultsOf({ portPool }))
    expect([spec.logMaxSize, spec.logFiles]).toEqual([DEFAULT_LOGS.maxSize, DEFAULT_LOGS.files])
  })
})
