// The systemd unit of `sup startup`: pure text from a few facts (node, sup, SUP_HOME, scope), and where it goes.
import { dirname, join } from 'node:path'

export type UnitScope = 'system' | 'user'

export interface UnitOptions {
  /** Absolute path of the node binary that runs sup. */
  readonly nodePath: string
  /** Absolute path of packages/cli/bin/sup.js. */
  readonly cliPath: string
  /** Absolute SUP_HOME the daemon serves. */
  readonly home: string
  /** `system`: /etc/systemd/system, started at boot; `user`: the user's own systemd (needs lingering to start at boot). */
  readonly scope: UnitScope
  /** System units only: the account the daemon runs as; undefined runs it as root. */
  readonly runAs?: string | undefined
}

/** Tells `sup daemon --restart` that a daemon is supervised by this unit (Restart=always starts the next one). */
export const SUPERVISOR_ENV = 'SUP_SUPERVISOR'

/** PATH given to the daemon (and so to the workers): node's own directory first, then the usual ones. */
const BASE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** `%` starts a specifier everywhere in a unit file; `$` expands a variable in ExecStart. */
function escapeSpecifiers (value: string, isCommand: boolean): string {
  const s = value.replace(/%/g, '%%')
  return isCommand ? s.replace(/\$/g, '$$$$') : s
}

/** Quotes a word when systemd would otherwise split or unescape it (C-style escapes inside double quotes). */
export function quoteUnitWord (word: string, isCommand = false): string {
  const escaped = escapeSpecifiers(word, isCommand)
  if (escaped !== '' && !/[\s"'\\;]/.test(escaped)) return escaped
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

/** One `Environment=` line; the whole assignment is quoted when needed, as systemd.exec(5) shows. */
function environmentLine (name: string, value: string): string {
  return `Environment=${quoteUnitWord(`${name}=${value}`)}`
}

function unitPathVariable (nodePath: string): string {
  return [...new Set([dirname(nodePath), ...BASE_PATH])].join(':')
}

/** The unit text. `sup daemon --replace` takes over from a daemon started on demand before systemd's. */
export function renderUnit (o: UnitOptions): string {
  const isSystem = o.scope === 'system'
  const exec = [o.nodePath, o.cliPath, 'daemon', '--replace'].map((w) => quoteUnitWord(w, true)).join(' ')
  return [
    '# sup: keeps the sup daemon running, and with it every app of its SUP_HOME. Written by `sup startup`;',
    '# run `sup startup` again after moving node or sup.',
    '[Unit]',
    `Description=sup process supervisor (${escapeSpecifiers(o.home, false)})`,
    ...(isSystem ? ['After=network.target'] : []),
    '',
    '[Service]',
    'Type=simple',
    ...(isSystem && o.runAs !== undefined ? [`User=${o.runAs}`] : []),
    environmentLine('SUP_HOME', o.home),
    environmentLine('PATH', unitPathVariable(o.nodePath)),
    environmentLine(SUPERVISOR_ENV, 'systemd'),
    `ExecStart=${exec}`,
    'Restart=always',
    'RestartSec=1',
    '# KillMode=process: when the daemon exits (crash, SIGKILL, `sup daemon --restart`) or systemd stops or',
    '# restarts this service, systemd signals the main process only. The apps\' workers live in this',
    '# service\'s cgroup too, and the default (control-group) would kill every one of them whenever the',
    '# daemon goes away; with `process` they keep serving and the next daemon re-adopts them (same pids).',
    '# `systemctl stop sup` still stops the apps, gracefully: the daemon stops its workers on SIGTERM.',
    'KillMode=process',
    '',
    '[Install]',
    `WantedBy=${isSystem ? 'multi-user.target' : 'default.target'}`,
    ''
  ].join('\n')
}

/** Where `sup startup --install` writes the unit. */
export function unitFilePath (scope: UnitScope, env: { readonly homeDir: string; readonly xdgConfigHome?: string | undefined }): string {
  if (scope === 'system') return '/etc/systemd/system/sup.service'
  const config = env.xdgConfigHome !== undefined && env.xdgConfigHome !== '' ? env.xdgConfigHome : join(env.homeDir, '.config')
  return join(config, 'systemd', 'user', 'sup.service')
}

/** The commands that load, enable and start the unit (sup never runs systemctl itself). */
export function installCommands (scope: UnitScope, o: { readonly isRoot: boolean; readonly userName: string }): string[] {
  if (scope === 'user') {
    return [
      'systemctl --user daemon-reload',
      'systemctl --user enable --now sup',
      `loginctl enable-linger ${o.userName}   # start it at boot, before anyone logs in`
    ]
  }
  const sudo = o.isRoot ? '' : 'sudo '
  return [`${sudo}systemctl daemon-reload`, `${sudo}systemctl enable --now sup`]
}
