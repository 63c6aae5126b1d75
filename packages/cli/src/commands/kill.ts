// `sup kill`: asks the daemon to stop every worker and exit, then waits until its process is gone.
import { isSupClientError, SUP_ERR_DAEMON_UNREACHABLE } from '@sup/client'
import type { Command } from 'commander'
import { action, type CliContext } from '../context.ts'
import { CliError } from '../errors.ts'
import { readDaemonPid, waitForExit } from '../pid-file.ts'

/** How long `sup kill` waits for the daemon to exit (it stops every worker first). */
export const KILL_WAIT_MS = 30_000

/** Registers `sup kill`. */
export function registerKill (program: Command, ctx: CliContext): void {
  program
    .command('kill')
    .description('stop every worker and the daemon (apps stay defined: the next daemon brings them back)')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (opts: { json?: boolean }) => {
      const filePid = await readDaemonPid(ctx.home)
      let answer: { ok: boolean; pid: number | null }
      try {
        answer = await ctx.client().shutdown()
      } catch (err) {
        if (isSupClientError(err, 'SUP_ERR_SHUTTING_DOWN')) answer = { ok: true, pid: filePid ?? null }
        else if (isSupClientError(err, SUP_ERR_DAEMON_UNREACHABLE)) {
          if (opts.json === true) ctx.json({ ok: true, pid: null })
          else ctx.warn('sup: no daemon is running')
          return
        } else throw err
      }
      // The answering daemon's pid is authoritative: a stale sup.pid may name a recycled pid.
      const pid = answer.pid
      if (pid !== null && !await waitForExit([pid], KILL_WAIT_MS)) {
        throw new CliError(`The daemon (pid ${pid}) is still running ${KILL_WAIT_MS / 1000} s after being asked to exit`, {
          code: 'SUP_ERR_DAEMON_STILL_RUNNING',
          hint: `see ${ctx.home}/daemon.log; \`kill ${pid}\` sends it SIGTERM`
        })
      }
      if (opts.json === true) ctx.json(answer)
      else ctx.print(pid === null ? 'daemon stopped' : `daemon ${pid} stopped`)
    }))
}
