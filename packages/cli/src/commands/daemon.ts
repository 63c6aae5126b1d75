// `sup daemon`: runs the daemon in the foreground, its output on this terminal; SIGINT/SIGTERM are passed on.
import type { Command } from 'commander'
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { action, type CliContext } from '../context.ts'
import { daemonArgv, resolveDaemonEntry } from '../daemon-launcher.ts'

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

/** Registers `sup daemon`. */
export function registerDaemon (program: Command, ctx: CliContext): void {
  program
    .command('daemon')
    .description('run the daemon in the foreground (Ctrl-C stops it; its workers are stopped, their desired state kept)')
    .action(action(ctx, async () => {
      const entry = resolveDaemonEntry(ctx.env, ctx.cwd)
      // Its own process group: a terminal's Ctrl-C reaches the daemon once, through us, not twice.
      const child = spawn(process.execPath, daemonArgv(entry), { stdio: 'inherit', env: ctx.env, detached: true })
      const forward = (signal: NodeJS.Signals): void => { child.kill(signal) }
      for (const signal of FORWARDED) process.on(signal, forward)
      const code = await new Promise<number>((resolve, reject) => {
        child.once('error', reject)
        child.once('exit', (exitCode, signal) => resolve(exitCode ?? 128 + (signal === null ? 0 : constants.signals[signal])))
      }).finally(() => { for (const signal of FORWARDED) process.off(signal, forward) })
      if (code !== 0) process.exitCode = code
    }))
}
