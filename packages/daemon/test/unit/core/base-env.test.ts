import { describe, expect, it } from 'vitest'
import { baseEnvironment } from '../../../src/core/base-env.ts'

describe('baseEnvironment', () => {
  it('keeps PATH, HOME, the locale and the time zone, and drops secrets, NODE_PATH and SUP_*', () => {
    const env = baseEnvironment({ PATH: '/x', HOME: '/h', LANG: 'C.UTF-8', LC_ALL: 'C', TZ: 'UTC', AWS_SECRET_ACCESS_KEY: 's', NODE_PATH: '/store', NODE_OPTIONS: '--inspect', SUP_TOKEN: 't', SUP_NGINX_RELOAD: 'x', UNSET: undefined })
    expect(env).toEqual({ PATH: '/x', HOME: '/h', LANG: 'C.UTF-8', LC_ALL: 'C', TZ: 'UTC' })
  })
  it('gives a PATH when the daemon has none (a bare systemd environment)', () => {
    expect(baseEnvironment({}).PATH).toBe('/usr/local/bin:/usr/bin:/bin')
  })
})
