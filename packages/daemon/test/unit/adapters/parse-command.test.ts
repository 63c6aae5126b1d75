// SUP_NGINX_RELOAD / SUP_NGINX_TEST: command lines split without a shell, and the daemon config built from them.
import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../../src/adapters/nginx-upstream.ts'
import { loadDaemonConfig } from '../../../src/config.ts'

describe('parseCommand', () => {
  it.each([
    ['nginx -s reload', ['nginx', '-s', 'reload']],
    ['  nginx   -t  ', ['nginx', '-t']],
    ["nginx -g 'daemon off;'", ['nginx', '-g', 'daemon off;']],
    ['sudo "/opt/my nginx/sbin/nginx" -s reload', ['sudo', '/opt/my nginx/sbin/nginx', '-s', 'reload']],
    ["-c'/a b'.conf", ['-c/a b.conf']],
    ["''", ['']],
    ['', []]
  ])('%j → %j', (text, argv) => {
    expect(parseCommand(text)).toEqual(argv)
  })
})

describe('loadDaemonConfig: nginx', () => {
  const base = { SUP_HOME: '/tmp/sup-cfg' }

  it('writes files only when no reload is configured', () => {
    expect(loadDaemonConfig(base)).toMatchObject({ nginxDir: '/tmp/sup-cfg/nginx', nginxReload: null, nginxTest: null })
    expect(loadDaemonConfig({ ...base, SUP_NGINX_RELOAD: 'off' })).toMatchObject({ nginxReload: null, nginxTest: null })
    expect(loadDaemonConfig({ ...base, SUP_NGINX_RELOAD: '' })).toMatchObject({ nginxReload: null, nginxTest: null })
  })

  it('tests before reloading by default, against the config the reload command names', () => {
    expect(loadDaemonConfig({ ...base, SUP_NGINX_RELOAD: 'nginx -s reload' })).toMatchObject({ nginxReload: ['nginx', '-s', 'reload'], nginxTest: ['nginx', '-t'] })
    expect(loadDaemonConfig({ ...base, SUP_NGINX_RELOAD: '/usr/sbin/nginx -p /x -c /x/n.conf -s reload' }).nginxTest).toEqual(['/usr/sbin/nginx', '-p', '/x', '-c', '/x/n.conf', '-t'])
    expect(loadDaemonConfig({ ...base, SUP_NGINX_RELOAD: 'systemctl reload nginx' }).nginxTest).toEqual(['nginx', '-t'])
  })

  it('takes SUP_NGINX_TEST as given, "off" disables it', () => {
    expect(loadDaemonConfig({ ...base, SUP_NGINX_RELOAD: 'nginx -s reload', SUP_NGINX_TEST: 'off' }).nginxTest).toBeNull()
    expect(loadDaemonConfig({ ...base, SUP_NGINX_RELOAD: 'nginx -s reload', SUP_NGINX_TEST: 'sudo nginx -t -q' }).nginxTest).toEqual(['sudo', 'nginx', '-t', '-q'])
  })
})
