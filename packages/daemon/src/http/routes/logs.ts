// GET /logs/:target: the last N lines of each worker merged in time order, then (follow) new lines, as NDJSON.
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ErrorBody, LogsParams, LogsQuery, type LogRecord } from '@sup/protocol'
import type { Supervisor } from '../../runtime/supervisor.ts'
import type { LogFilter, LogLine } from '../../logs/log-lines.ts'
import { readTail, type LogPosition } from '../../logs/log-reader.ts'
import { followLog } from '../../logs/log-follow.ts'
import { resolveLogTargets, type LogTarget } from '../../logs/log-target.ts'
import type { NdjsonStream, NdjsonStreams } from '../ndjson.ts'

/** Lines per worker when the query does not say. */
export const DEFAULT_LOG_LINES = 20
/** How often a follower of `all` or `<app>` looks for workers started since (scale up, new apps). */
export const DISCOVER_INTERVAL_MS = 1_000
/** A worker found while following is read from this long before it was found (its first lines). */
const DISCOVER_LOOKBACK_MS = 2_000

export interface LogRouteDeps { readonly supervisor: Supervisor; readonly logsDir: string }

const key = (t: LogTarget): string => `${t.app}:${t.instance}`

function toRecord (t: LogTarget, l: LogLine): LogRecord {
  return { time: l.time, app: t.app, instance: t.instance, stream: l.stream, line: l.line.toString('utf8') }
}

/** Every worker's tail in one list, oldest first (equal times keep the workers' order). */
export function mergeTails (targets: readonly LogTarget[], tails: ReadonlyArray<readonly LogLine[]>): LogRecord[] {
  return targets.flatMap((t, i) => (tails[i] ?? []).map((l) => toRecord(t, l))).sort((a, b) => a.time - b.time)
}

interface FollowJob { readonly out: NdjsonStream; readonly filter: LogFilter; readonly log: FastifyBaseLogger }

async function pump (job: FollowJob, t: LogTarget, from: LogPosition | 'start', filter: LogFilter): Promise<void> {
  try {
    for await (const line of followLog(t.logPath, { signal: job.out.signal, from, filter })) await job.out.send(toRecord(t, line))
  } catch (err) {
    job.log.warn({ err, app: t.app, worker: t.instance }, 'following a log failed')
  }
}

/** Follows every target; for `all`/`<app>`, also workers that appear later. Resolves once the stream is aborted. */
async function followAll (job: FollowJob, deps: LogRouteDeps, text: string, targets: readonly LogTarget[], starts: ReadonlyArray<LogPosition | null>): Promise<void> {
  const known = new Set(targets.map(key))
  const running = targets.map((t, i) => pump(job, t, starts[i] ?? 'start', job.filter))
  if (!text.includes(':')) {
    while (!job.out.signal.aborted) {
      await sleep(DISCOVER_INTERVAL_MS, undefined, { signal: job.out.signal }).catch(() => undefined)
      let now: LogTarget[] = []
      try { now = resolveLogTargets(text, deps.supervisor.listApps(), deps.logsDir) } catch { continue } // the app was deleted meanwhile
      const since = Math.max(job.filter.since ?? 0, Date.now() - DISCOVER_LOOKBACK_MS)
      for (const t of now.filter((x) => !known.has(key(x)))) {
        known.add(key(t))
        running.push(pump(job, t, 'start', { ...job.filter, since }))
      }
    }
  }
  await Promise.all(running)
}

/** Registers GET /logs/:target (docs/logs.md). */
export function registerLogRoutes (fastify: FastifyInstance, deps: LogRouteDeps, streams: NdjsonStreams): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/logs/:target', { schema: { params: LogsParams, querystring: LogsQuery, response: { 400: ErrorBody, 404: ErrorBody, 500: ErrorBody } } }, async (req, reply) => {
    // Everything that can fail with an error answer happens before the 200 goes out.
    const targets = resolveLogTargets(req.params.target, deps.supervisor.listApps(), deps.logsDir)
    const filter: LogFilter = { stream: req.query.stream, since: req.query.since }
    const n = req.query.lines ?? DEFAULT_LOG_LINES
    const tails = []
    for (const t of targets) tails.push(await readTail(t.logPath, n, filter))
    const out = streams.open(reply)
    try {
      for (const record of mergeTails(targets, tails.map((x) => x.lines))) await out.send(record)
      if (req.query.follow === true) await followAll({ out, filter, log: req.log }, deps, req.params.target, targets, tails.map((x) => x.position))
    } catch (err) {
      req.log.warn({ err }, 'log stream failed')
    } finally {
      out.end()
    }
    return reply
  })
}
