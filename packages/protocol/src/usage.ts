// Schemas of resource rules and usage samples: `--max-memory`, `--max-cpu`, `--over`, `sup list` cpu/mem, `sup show` samples.
import { Type, type Static } from 'typebox'

const NumberOrString = Type.Union([Type.Number(), Type.String({ maxLength: 64 })])

/** The rule fields of AppSpecInput (spread into it). */
export const ResourceRulesInput = {
  /** RSS of the worker's process tree that, over the window, restarts it: bytes or "150M". */
  maxMemory: Type.Optional(NumberOrString),
  /** Percent of one core used by the worker's process tree that, over the window, restarts it. */
  maxCpu: Type.Optional(NumberOrString),
  /** "3/5": over the limit in 3 of the last 5 samples; "5": 5 in a row (default 3/5). */
  over: Type.Optional(NumberOrString),
  /** Between two samples of each worker (default 1s). */
  sampleInterval: Type.Optional(NumberOrString),
  /** A cron expression: a scheduled rolling restart ("0 3 * * *"). */
  cronRestart: Type.Optional(Type.String({ maxLength: 256 }))
}

/** The rule fields of AppSpecView (spread into it); optional for daemons that predate them. */
export const ResourceRulesView = {
  maxMemory: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  maxCpu: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
  over: Type.Optional(Type.Object({ count: Type.Integer(), of: Type.Integer() })),
  sampleIntervalMs: Type.Optional(Type.Number()),
  cronRestart: Type.Optional(Type.Union([Type.String(), Type.Null()]))
}

/** The last sample of a worker (spread into WorkerView); absent until it has been sampled. */
export const WorkerUsage = {
  /** Percent of one core used by the worker's whole process tree over the last sample interval. */
  cpu: Type.Optional(Type.Number()),
  /** Resident memory of the worker's whole process tree, in bytes. */
  memory: Type.Optional(Type.Number())
}

/** One sample of one worker's process tree. */
export const UsageSample = Type.Object({ time: Type.Number(), cpu: Type.Number(), memory: Type.Number(), pids: Type.Integer() })
export type UsageSample = Static<typeof UsageSample>

/** GET /apps/:app/samples: the last minute of samples of each worker, oldest first. */
export const AppSamples = Type.Object({
  app: Type.String(),
  intervalMs: Type.Number(),
  workers: Type.Array(Type.Object({ instance: Type.Integer(), pid: Type.Union([Type.Integer(), Type.Null()]), samples: Type.Array(UsageSample) }))
})
export type AppSamples = Static<typeof AppSamples>
