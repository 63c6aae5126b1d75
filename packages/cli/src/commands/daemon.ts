// `sup daemon`: runs the daemon in the foreground, its output on this terminal; SIGINT/SIGTERM are passed on.
// `sup daemon --restart` replaces a background daemon instead, keeping every worker: the zero-downtime upgrade.
import type { Command } from 'commander'
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { action, type CliContext } from '../context.ts'
import { releaseDaemon } from '../daemon-handover.ts'
import { daemonArgv, daemonEnvironment, resolveDaemonEntry } from '../daemon-launcher.ts'
import { CliError } from '../errors.ts'
import { describeRestart, restartDaemon } from './daemon-restart.ts'

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

interface DaemonOptions { restart?: boolean; replace?: boolean; json?: boolean; listen?: string; listenRemote?: boolean }

/** Runs the daemon as our child until it exits; returns its exit code (128 + signal number when killed). */
async function runForeground (ctx: CliContext, opts: DaemonOptions = {}): Promise<number> {
  const entry = resolveDaemonEntry(ctx.env, ctx.cwd)
  // --listen: the TCP API (the daemon checks the address: loopback only unless --listen-remote)
  const env = opts.listen === undefined ? ctx.env : { ...ctx.env, SUP_LISTEN: opts.listen, ...(opts.listenRemote === true ? { SUP_LISTEN_REMOTE: '1' } : {}) }
  // Its own process group: a terminal's Ctrl-C reaches the daemon once, through us, not twice.
  const child = spawn(process.execPath, daemonArgv(entry), { stdio: 'inherit', env: daemonEnvironment(env), detached: true })
  const forward = (signal: NodeJS.Signals): void => { child.kill(signal) }
  for (const signal of FORWARDED) process.on(signal, forward)
  return new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? 128 + (signal === null ? 0 : constants.signals[signal])))
  }).finally(() => { for (const signal of FORWARDED) process.off(signal, forward) })
}

/** Registers `sup daemon`. */
export function registerDaemon (program: Command, ctx: CliContext): void {
  program
    .command('daemon')
    .description('run the daemon in the foreground (Ctrl-C stops it; its workers are stopped, their desired state kept)')
    .option('--restart', 'replace the running daemon by a new one (in the background) that adopts every worker: ' +
      'same pids, same ports, no request lost. THE way to upgrade sup with zero downtime: install the new sup, then run this')
    .option('--replace', 'take over from a daemon already running (it exits leaving its workers to this one); used by `sup startup`')
    .option('--listen <host:port>', 'also serve the API on TCP (e.g. 127.0.0.1:9002) for deploys; every request needs ' +
      '`Authorization: Bearer <token>` (the token is in $SUP_HOME/token). Loopback addresses only, unless --listen-remote. ' +
      'With --restart it is written to config.json (`sup config set listen`); alone, it holds for this daemon\'s life')
    .option('--listen-remote', 'allow a non-loopback --listen address (put TLS in front of it)')
    .option('--json', 'with --restart: print {oldPid, newPid, workers, adopted, notAdopted} as JSON')
    .addHelpText('after', '\nUpgrading sup: install the new version, then `sup daemon --restart`. The old daemon exits without touching\n' +
      'its workers; the new one re-adopts them by pid + start time + marker. Under `sup startup`\'s systemd unit,\n' +
      'systemd starts the new daemon (Restart=always); `systemctl restart sup` instead stops and starts every app.')
    .action(action(ctx, async (opts: DaemonOptions) => {
      if (opts.restart === true && opts.replace === true) throw new CliError('--restart and --replace cannot be used together', { hint: 'see `sup daemon --help`' })
      if (opts.listenRemote === true && opts.listen === undefined) throw new CliError('--listen-remote needs --listen HOST:PORT', { hint: 'or `sup config set listenRemote true`' })
      if (opts.restart === true) {
        const report = await restartDaemon(ctx, opts.listen === undefined ? undefined : { address: opts.listen, remote: opts.listenRemote === true })
        if (opts.json === true) ctx.json(report)
        else ctx.print(describeRestart(report))
        return
      }
      if (opts.replace === true) {
        const old = await releaseDaemon(ctx.client())
        if (old !== null) ctx.warn(`sup: daemon ${old.pid} exited, leaving its workers to this one`)
      }
      const code = await runForeground(ctx, opts)
      if (code !== 0) process.exitCode = code
    }))
}
