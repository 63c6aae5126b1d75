// `sup kill`: asks the daemon to stop every worker and exit, then waits until its process is gone.
import { isSupClientError, SUP_ERR_DAEMON_UNREACHABLE, type SupClient } from '@sup/client'
import type { Command } from 'commander'
import { setTimeout as sleep } from 'node:timers/promises'
import { action, type CliContext } from '../context.ts'
import { liveLockHolder } from '../daemon-launcher.ts'
import { CliError } from '../errors.ts'
import { isAlive, readDaemonPid, waitForExit } from '../pid-file.ts'

/** How long `sup kill` waits for the daemon to exit (it stops every worker first). */
export const KILL_WAIT_MS = 30_000
/** How long it waits for a daemon that holds the home to open its API (a handed `sup start` answers before that). */
export const API_WAIT_MS = 10_000

export interface ShutdownDeps {
  /** The live daemon named by sup.pid (it holds the lock), if any: one may be starting and not listen yet. */
  readonly holder: (home: string) => Promise<number | undefined>
  readonly isAlive: (pid: number) => boolean
  readonly apiWaitMs: number
  readonly pollMs: number
}

const DEPS: ShutdownDeps = { holder: liveLockHolder, isAlive, apiWaitMs: API_WAIT_MS, pollMs: 50 }

/**
 * Asks the daemon to shut down: its answer, or null when no daemon runs. A daemon that holds the home but does not
 * listen yet is waited for (it said "no daemon is running" and left it, with its workers, running).
 */
export async function askShutdown (client: SupClient, filePid: number | undefined, deps: ShutdownDeps = DEPS): Promise<{ ok: boolean; pid: number | null } | null> {
  let starting: number | undefined
  const deadline = Date.now() + deps.apiWaitMs
  for (;;) {
    try {
      return await client.shutdown()
    } catch (err) {
      if (isSupClientError(err, 'SUP_ERR_SHUTTING_DOWN')) return { ok: true, pid: filePid ?? null }
      if (!isSupClientError(err, SUP_ERR_DAEMON_UNREACHABLE)) throw err
    }
    starting ??= await deps.holder(client.home)
    if (starting === undefined) return null
    if (!deps.isAlive(starting)) return { ok: true, pid: null }
    if (Date.now() >= deadline) {
      throw new CliError(`The daemon (pid ${starting}) holds ${client.home} but does not answer on its socket`, {
        code: 'SUP_ERR_DAEMON_START',
        hint: `see ${client.home}/daemon.log; \`kill ${starting}\` sends it SIGTERM (it stops every worker and exits)`
      })
    }
    await sleep(deps.pollMs)
  }
}

/** Registers `sup kill`. */
export function registerKill (program: Command, ctx: CliContext): void {
  program
    .command('kill')
    .description('stop every worker and the daemon (apps stay defined: the next daemon brings them back)')
    .option('--json', 'print the API answer as JSON')
    .action(action(ctx, async (opts: { json?: boolean }) => {
      const answer = await askShutdown(ctx.client(), await readDaemonPid(ctx.home))
      if (answer === null) {
        if (opts.json === true) ctx.json({ ok: true, pid: null })
        else ctx.warn('sup: no daemon is running')
        return
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
