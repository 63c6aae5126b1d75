// `sup startup`: the unit text (systemd semantics that keep workers alive), its quoting, its path and the commands printed.
import { describe, expect, it } from 'vitest'
import { installCommands, quoteUnitWord, renderUnit, unitFilePath, type UnitOptions } from '../../src/systemd-unit.ts'
import { compareWorkers, describeRestart, workerPids } from '../../src/commands/daemon-restart.ts'
import { supervisorOf } from '../../src/daemon-handover.ts'
import { resolveCliBin } from '../../src/commands/startup.ts'

const BASE: UnitOptions = { nodePath: '/usr/local/bin/node', cliPath: '/opt/sup/packages/cli/bin/sup.js', home: '/home/ann/.sup', scope: 'system', runAs: 'ann' }

/** `Key=value` lines of a unit (comments and sections left out), in order. */
function directives (text: string): Array<[string, string]> {
  return text.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
}
const values = (text: string, key: string): string[] => directives(text).filter(([k]) => k === key).map(([, v]) => v)

describe('renderUnit', () => {
  it('runs `sup daemon` with node, under systemd supervision that never kills the workers', () => {
    const unit = renderUnit(BASE)
    expect(values(unit, 'Type')).toEqual(['simple'])
    expect(values(unit, 'ExecStart')).toEqual(['/usr/local/bin/node /opt/sup/packages/cli/bin/sup.js daemon --replace'])
    expect(values(unit, 'Restart')).toEqual(['always'])
    expect(values(unit, 'RestartSec')).toEqual(['1'])
    expect(values(unit, 'KillMode')).toEqual(['process'])
    expect(values(unit, 'Environment')).toEqual([
      'SUP_HOME=/home/ann/.sup',
      'PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin',
      'SUP_SUPERVISOR=systemd'
    ])
    expect(values(unit, 'User')).toEqual(['ann'])
    expect(values(unit, 'WantedBy')).toEqual(['multi-user.target'])
    expect(values(unit, 'After')).toEqual(['network.target'])
  })

  it('explains KillMode=process in a comment right above it', () => {
    const lines = renderUnit(BASE).split('\n')
    const at = lines.indexOf('KillMode=process')
    const comment = lines.slice(0, at).reverse().findIndex((l) => !l.startsWith('#'))
    const block = lines.slice(at - comment, at).join(' ')
    expect(block).toMatch(/cgroup/)
    expect(block).toMatch(/re-adopts/)
  })

  it('has the three sections, in order, and ends with a newline', () => {
    const unit = renderUnit(BASE)
    const sections = unit.split('\n').filter((l) => l.startsWith('['))
    expect(sections).toEqual(['[Unit]', '[Service]', '[Install]'])
    expect(unit.endsWith('\n')).toBe(true)
  })

  it('a user unit: default.target, no User=, no network.target', () => {
    const unit = renderUnit({ ...BASE, scope: 'user' })
    expect(values(unit, 'WantedBy')).toEqual(['default.target'])
    expect(values(unit, 'User')).toEqual([])
    expect(values(unit, 'After')).toEqual([])
  })

  it('a system unit run by root has no User=', () => {
    expect(values(renderUnit({ ...BASE, runAs: undefined }), 'User')).toEqual([])
  })

  it('quotes paths with spaces and escapes specifiers and variables', () => {
    const unit = renderUnit({ ...BASE, nodePath: '/opt/my node/node', cliPath: '/srv/100%/$sup/sup.js', home: '/home/a b/.sup' })
    expect(values(unit, 'ExecStart')).toEqual(['"/opt/my node/node" /srv/100%%/$$sup/sup.js daemon --replace'])
    expect(values(unit, 'Environment')[0]).toBe('"SUP_HOME=/home/a b/.sup"')
    expect(values(unit, 'Description')[0]).toContain('/home/a b/.sup')
  })
})

describe('quoteUnitWord', () => {
  it.each<[string, boolean, string]>([
    ['plain', false, 'plain'],
    ['a b', false, '"a b"'],
    ['say "hi"', false, '"say \\"hi\\""'],
    ['back\\slash', false, '"back\\\\slash"'],
    ['50%', false, '50%%'],
    ['$HOME', true, '$$HOME'],
    ['$HOME', false, '$HOME'],
    ['', false, '""']
  ])('%j (command: %s) -> %s', (word, isCommand, quoted) => {
    expect(quoteUnitWord(word, isCommand)).toBe(quoted)
  })
})

describe('unitFilePath and installCommands', () => {
  it('system unit in /etc/systemd/system, user unit under the XDG config dir', () => {
    expect(unitFilePath('system', { homeDir: '/home/ann' })).toBe('/etc/systemd/system/sup.service')
    expect(unitFilePath('user', { homeDir: '/home/ann' })).toBe('/home/ann/.config/systemd/user/sup.service')
    expect(unitFilePath('user', { homeDir: '/home/ann', xdgConfigHome: '/cfg' })).toBe('/cfg/systemd/user/sup.service')
  })

  it('prints systemctl commands (with sudo unless root), and lingering for a user unit', () => {
    expect(installCommands('system', { isRoot: false, userName: 'ann' })).toEqual(['sudo systemctl daemon-reload', 'sudo systemctl enable --now sup'])
    expect(installCommands('system', { isRoot: true, userName: 'root' })).toEqual(['systemctl daemon-reload', 'systemctl enable --now sup'])
    const user = installCommands('user', { isRoot: false, userName: 'ann' })
    expect(user.slice(0, 2)).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now sup'])
    expect(user[2]).toMatch(/^loginctl enable-linger ann\b/)
  })

  it('finds packages/cli/bin/sup.js from the bundle and from the sources', () => {
    const bin = resolveCliBin(new URL('../../bundle/bin.js', import.meta.url).href)
    expect(bin).toBe(new URL('../../bin/sup.js', import.meta.url).pathname)
    expect(resolveCliBin(new URL('../../src/commands/startup.ts', import.meta.url).href)).toBe(bin)
  })
})

describe('daemon --restart helpers', () => {
  const list = (pids: Array<[string, number, number | null]>): Parameters<typeof workerPids>[0] => ({
    apps: [...new Set(pids.map(([a]) => a))].map((name) => ({
      name,
      desired: 'running' as const,
      spec: {} as never,
      workers: pids.filter(([a]) => a === name).map(([app, instance, pid]) => ({ app, instance, pid, state: 'online' as const, port: null, restarts: 0, startedAt: null, lastExit: null }))
    }))
  })

  it('counts as adopted the workers with the same pid for the same app and instance', () => {
    const before = workerPids(list([['api', 0, 10], ['api', 1, 11], ['web', 0, 20], ['web', 1, null]]))
    expect(before.size).toBe(3)
    const after = workerPids(list([['api', 0, 10], ['api', 1, 99], ['web', 0, 20], ['web', 1, 21]]))
    expect(compareWorkers(before, after)).toEqual({ adopted: 2, notAdopted: ['api:1'] })
  })

  it('says what happened', () => {
    expect(describeRestart({ oldPid: 1, newPid: 2, workers: 9, adopted: 9, notAdopted: [] })).toEqual(['daemon 1 replaced by daemon 2: 9 of 9 running worker(s) adopted (same pids)'])
    expect(describeRestart({ oldPid: null, newPid: 2, workers: 0, adopted: 0, notAdopted: [] })[0]).toMatch(/^no daemon was running; started daemon 2/)
  })

  it('reads SUP_SUPERVISOR from a process environment', () => {
    expect(supervisorOf(1, () => Buffer.from('A=1\0SUP_SUPERVISOR=systemd\0B=2\0'))).toBe('systemd')
    expect(supervisorOf(1, () => Buffer.from('XSUP_SUPERVISOR=no\0'))).toBeUndefined()
    expect(supervisorOf(1, () => { throw new Error('ENOENT') })).toBeUndefined()
  })
})
