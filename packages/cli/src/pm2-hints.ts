// What a PM2 user types that sup spells otherwise: a hint under commander's "unknown command/option" error
// (docs/pm2.md has the whole map).
const SAVED = 'nothing to do: sup stores every change at once, and a new daemon brings every app back'
const LOG_FILES = 'sup-logd writes logs/<app>-<i>.log and every line of a log carries its time: `sup logs --time` shows it'

/** PM2 commands sup has under another name, or has no need for. */
const COMMANDS: ReadonlyMap<string, string> = new Map([
  ['save', SAVED], ['dump', SAVED], ['resurrect', SAVED], ['cleardump', SAVED],
  ['status', 'PM2\'s status is `sup list`'], ['jlist', 'PM2\'s jlist is `sup list --json`'], ['prettylist', 'PM2\'s prettylist is `sup list --json`'],
  ['describe', 'PM2\'s describe is `sup show <app>`'], ['info', 'PM2\'s info is `sup show <app>`'],
  ['sendSignal', 'PM2\'s sendSignal is `sup signal <SIGNAL> <app[:i]>`'],
  ['update', 'PM2\'s update is `sup daemon --restart`: the new daemon adopts every worker'],
  ['updatePM2', 'PM2\'s updatePM2 is `sup daemon --restart`: the new daemon adopts every worker'],
  ['ping', 'PM2\'s ping is `sup list`: it starts the daemon when none runs'],
  ['pid', 'PM2\'s pid is `sup show <app> --json` (each worker\'s pid), or `sup list`'],
  ['reset', 'sup keeps no counters to reset: a worker\'s restarts are its history (`sup events <app>` says why each came); flapping counts only those within `--restart-window`'],
  ['unstartup', 'PM2\'s unstartup: `systemctl disable --now sup` and remove the unit `sup startup --install` wrote (/etc/systemd/system/sup.service; with --user, `systemctl --user …` and ~/.config/systemd/user/sup.service)'],
  ['install', 'sup has no modules: each log is rotated by size already (`--log-max-size`, `--log-files`), no pm2-logrotate'],
  ['ecosystem', 'sup writes no ecosystem file: it starts PM2\'s as they are (`sup start ecosystem.config.js`)'],
  ['init', 'sup writes no ecosystem file: it starts PM2\'s as they are (`sup start ecosystem.config.js`)'],
  ['trigger', 'sup has no actions: `sup signal <SIGNAL> <app[:i]>` sends a worker a signal'],
  ['reloadLogs', 'nothing to do: sup-logd rotates each log by size (`--log-max-size`, `--log-files`)']
])

/** PM2 options sup has under another name, or has no need for. */
const OPTIONS: ReadonlyMap<string, string> = new Map([
  ['-i', 'PM2\'s -i is sup\'s `-n <n>` (`-n max`: one per CPU), each worker on its own PORT'],
  ['--nostream', 'PM2\'s --nostream is `--no-follow`'],
  ['--no-autorestart', 'PM2\'s --no-autorestart is `--restart never`'],
  ['--max-memory-restart', 'PM2\'s --max-memory-restart is `--max-memory <size>`'],
  ['--cron', 'PM2\'s --cron is `--cron-restart <expr>`'],
  ['--time', LOG_FILES], ['--log-date-format', LOG_FILES], ['--merge-logs', LOG_FILES],
  ['--timestamp', 'PM2\'s --timestamp is `sup logs --time`'],
  ['--interpreter-args', 'PM2\'s --interpreter-args is `--node-args <args>`'],
  ['--ignore-watch', 'PM2\'s --ignore-watch is `--watch-ignore <pattern>` (repeat it for each pattern)'],
  ['--exec-mode', 'sup has no exec mode: `-n <n>` runs n separate workers, each on its own PORT (no shared port), behind nginx'],
  ['-x', 'sup has no exec mode: `-n <n>` runs n separate workers, each on its own PORT (no shared port), behind nginx'],
  ['--no-treekill', 'sup always stops a worker\'s whole process tree'],
  ['--no-vizion', 'nothing to do: sup keeps no git metadata'], ['--no-pmx', 'nothing to do: sup injects nothing into apps'],
  ['-l', LOG_FILES], ['--log', LOG_FILES], ['-o', LOG_FILES], ['--output', LOG_FILES], ['-e', LOG_FILES], ['--error', LOG_FILES]
])

/** A `hint: ...` line (with its newline) for commander's error text, or '' when PM2 has no such word. */
export function pm2Hint (error: string): string {
  const m = /^error: unknown (command|option) '([^']+)'/.exec(error)
  if (m === null) return ''
  // `--max-memory-restart=300M` is named with its value: the option is what comes before the `=`
  const word = m[1] === 'option' ? (m[2] ?? '').replace(/=.*$/s, '') : m[2] ?? ''
  const hint = (m[1] === 'command' ? COMMANDS : OPTIONS).get(word)
  return hint === undefined ? '' : `hint: ${hint} (docs/pm2.md)\n`
}
