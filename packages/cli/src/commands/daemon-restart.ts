// `sup daemon --restart`: a new daemon replaces the running one and adopts every worker (same pids): the zero-downtime upgrade.
import { isSupClientError, SUP_ERR_DAEMON_UNREACHABLE, type AppList, type HealthView, type SupClient } from '@sup/client'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CliContext } from '../context.ts'
import { releaseDaemon } from '../daemon-handover.ts'
import { ensureDaemon } from '../daemon-launcher.ts'
import { CliError, SUP_ERR_DAEMON_START } from '../errors.ts'

/** How long systemd (Restart=always, RestartSec=1) may take to start the next daemon. */
export const SUPERVISED_START_MS = 15_000

export interface RestartReport {
  readonly oldPid: number | null
  readonly newPid: number
  /** Workers that had a process before the restart. */
  readonly workers: number
  /** Of those, the ones the new daemon shows with the same pid. */
  readonly adopted: number
  /** `app:instance` of the workers whose pid changed or vanished. */
  readonly notAdopted: string[]
}

/** `app:instance` -> pid of every worker that has a process. */
export function workerPids (list: AppList): Map<string, number> {
  const pids = new Map<string, number>()
  for (const app of list.apps) for (const w of app.workers) if (w.pid !== null) pids.set(`${app.name}:${w.instance}`, w.pid)
  return pids
}

/** Compares the workers before and after: adopted means the same pid for the same app and instance. */
export function compareWorkers (before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): { adopted: number; notAdopted: string[] } {
  const notAdopted = [...before].filter(([key, pid]) => after.get(key) !== pid).map(([key]) => key)
  return { adopted: before.size - notAdopted.length, notAdopted }
}

/** Waits for systemd to start the next daemon: we must not start one of our own outside its unit. */
async function waitForSupervised (client: SupClient, oldPid: number, timeoutMs = SUPERVISED_START_MS): Promise<HealthView> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const health = await client.health({ timeoutMs: 1_000 }).catch(() => null)
    if (health !== null && health.pid !== oldPid) return health
    await sleep(50)
  }
  throw new CliError(`The daemon ran under systemd, which did not start a new one within ${timeoutMs / 1000} s`, {
    code: SUP_ERR_DAEMON_START,
    hint: 'check `systemctl status sup` (or `systemctl --user status sup`); the workers are still running'
  })
}

/** Replaces the daemon; when none was running, just starts one (which adopts whatever an earlier life left). */
export async function restartDaemon (ctx: CliContext, listen?: { address: string; remote: boolean }): Promise<RestartReport> {
  const client = ctx.client()
  // --listen [--listen-remote]: written to config.json (checked by the daemon first), so the new daemon and every later one use it
  if (listen !== undefined) {
    await ensureDaemon(client, { env: ctx.env })
    if (listen.remote) await client.setConfig('listenRemote', 'true')
    await client.setConfig('listen', listen.address)
  }
  let before = new Map<string, number>()
  try {
    before = workerPids(await client.listApps())
  } catch (err) {
    if (!isSupClientError(err, SUP_ERR_DAEMON_UNREACHABLE)) throw err
  }
  const old = await releaseDaemon(client)
  const health = old?.supervisor === 'systemd' ? await waitForSupervised(client, old.pid) : await ensureDaemon(client, { env: ctx.env })
  const { adopted, notAdopted } = compareWorkers(before, workerPids(await client.listApps()))
  return { oldPid: old?.pid ?? null, newPid: health.pid, workers: before.size, adopted, notAdopted }
}

/** The lines `sup daemon --restart` prints for people. */
export function describeRestart (r: RestartReport): string[] {
  const head = r.oldPid === null ? `no daemon was running; started daemon ${r.newPid}` : `daemon ${r.oldPid} replaced by daemon ${r.newPid}`
  const lines = [`${head}: ${r.adopted} of ${r.workers} running worker(s) adopted (same pids)`]
  if (r.notAdopted.length > 0) lines.push(`not adopted (restarted or gone meanwhile): ${r.notAdopted.join(', ')}`)
  return lines
}
