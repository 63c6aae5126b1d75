// The HTTP API's schemas (TypeBox), shared by the daemon (validation) and the client/CLI (types).
import { Type, type Static } from 'typebox'
import { ResourceRulesInput, ResourceRulesView, WorkerUsage } from './usage.ts'

/** App and user names: safe as file names, nginx identifiers and URL segments. `all` is reserved. */
export const NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$'

export const WORKER_STATES = ['starting', 'online', 'backoff', 'stopping', 'stopped', 'errored', 'exited'] as const

/** A worker's lifecycle state (DESIGN.md: worker lifecycle). */
export const WorkerState = Type.Union([
  Type.Literal('starting'), Type.Literal('online'), Type.Literal('backoff'), Type.Literal('stopping'),
  Type.Literal('stopped'), Type.Literal('errored'), Type.Literal('exited')
])
export type WorkerState = Static<typeof WorkerState>

const NumberOrString = Type.Union([Type.Number(), Type.String({ maxLength: 64 })])
const EnvRecord = Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 65536 }), { maxProperties: 4096 })

/** What a caller sends to define an app. Numbers may come as strings ("5", "10s", "150M"): the daemon normalizes them once. */
export const AppSpecInput = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  script: Type.String({ minLength: 1, maxLength: 4096 }),
  args: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 256 })),
  /** Absolute path of the program that runs the script (python3, bash...); the CLI resolves bare names in its PATH. */
  interpreter: Type.Optional(Type.String({ maxLength: 4096 })),
  interpreterArgs: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 64 })),
  cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  instances: Type.Optional(NumberOrString),
  portRange: Type.Optional(Type.String({ maxLength: 64 })),
  /** false: the app does not listen (`--no-port`): no PORT, online once it stayed up `readyAfter`. */
  port: Type.Optional(Type.Boolean()),
  readyAfter: Type.Optional(NumberOrString),
  env: Type.Optional(EnvRecord),
  /** The environment of the shell that ran `sup start`: stored with the app, never shown back. */
  shellEnv: Type.Optional(EnvRecord),
  restart: Type.Optional(Type.String({ maxLength: 32 })),
  restartDelay: Type.Optional(NumberOrString),
  maxRestartDelay: Type.Optional(NumberOrString),
  minUptime: Type.Optional(NumberOrString),
  maxRestarts: Type.Optional(NumberOrString),
  restartWindow: Type.Optional(NumberOrString),
  retryIn: Type.Optional(NumberOrString),
  listenTimeout: Type.Optional(NumberOrString),
  killTimeout: Type.Optional(NumberOrString),
  killSignal: Type.Optional(Type.String({ maxLength: 16 })),
  waitReady: Type.Optional(Type.Boolean()),
  logMaxSize: Type.Optional(NumberOrString),
  logFiles: Type.Optional(NumberOrString),
  health: Type.Optional(Type.String({ maxLength: 1024 })),
  healthInterval: Type.Optional(NumberOrString),
  healthTimeout: Type.Optional(NumberOrString),
  healthFailures: Type.Optional(NumberOrString),
  drain: Type.Optional(NumberOrString),
  watch: Type.Optional(Type.Union([Type.Boolean(), Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { maxItems: 64 })])),
  watchIgnore: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 64 })),
  ...ResourceRulesInput
}, { additionalProperties: false })
export type AppSpecInput = Static<typeof AppSpecInput>

/** One worker as the API shows it. */
export const WorkerView = Type.Object({
  app: Type.String(),
  instance: Type.Integer(),
  state: WorkerState,
  pid: Type.Union([Type.Integer(), Type.Null()]),
  port: Type.Union([Type.Integer(), Type.Null()]),
  restarts: Type.Integer(),
  /** Wall-clock ms since epoch when the current process became online (or started), null when not running. */
  startedAt: Type.Union([Type.Number(), Type.Null()]),
  lastExit: Type.Union([Type.Object({ code: Type.Union([Type.Integer(), Type.Null()]), signal: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
  /** In the nginx upstream now: online, passing its health check, not withdrawn by a reload. */
  serving: Type.Optional(Type.Boolean()),
  /** Wall-clock ms when a worker in `backoff` (or `errored`) is started again; absent when nothing is scheduled. */
  retryAt: Type.Optional(Type.Number()),
  ...WorkerUsage
})
export type WorkerView = Static<typeof WorkerView>

/** The normalized app definition (units in ms), as stored and shown. */
export const AppSpecView = Type.Object({
  name: Type.String(),
  script: Type.String(),
  args: Type.Array(Type.String()),
  cwd: Type.String(),
  instances: Type.Integer(),
  portRange: Type.Object({ from: Type.Integer(), to: Type.Integer() }),
  envKeys: Type.Array(Type.String()),
  interpreter: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  hasPort: Type.Optional(Type.Boolean()),
  readyAfterMs: Type.Optional(Type.Number()),
  restart: Type.String(),
  restartDelayMs: Type.Number(),
  maxRestartDelayMs: Type.Number(),
  minUptimeMs: Type.Number(),
  maxRestarts: Type.Integer(),
  restartWindowMs: Type.Number(),
  retryInMs: Type.Number(),
  listenTimeoutMs: Type.Number(),
  killTimeoutMs: Type.Number(),
  killSignal: Type.String(),
  waitReady: Type.Boolean(),
  logMaxSize: Type.Integer(),
  logFiles: Type.Integer(),
  health: Type.Union([Type.Object({ path: Type.String(), intervalMs: Type.Number(), timeoutMs: Type.Number(), failures: Type.Integer() }), Type.Null()]),
  drainMs: Type.Number(),
  watch: Type.Union([Type.Array(Type.String()), Type.Null()]),
  watchIgnore: Type.Array(Type.String()),
  ...ResourceRulesView
})
export type AppSpecView = Static<typeof AppSpecView>

export const AppView = Type.Object({
  name: Type.String(),
  desired: Type.Union([Type.Literal('running'), Type.Literal('stopped')]),
  spec: AppSpecView,
  workers: Type.Array(WorkerView),
  /** Why nginx does not have this app's latest upstream (a failed `nginx -t` or reload); null when it does. */
  nginxError: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** Workers a reload, deploy or health/rule restart has started to replace others and not yet put in `workers`. */
  replacing: Type.Optional(Type.Integer({ minimum: 0 }))
})
export type AppView = Static<typeof AppView>

export const EventView = Type.Object({
  id: Type.Integer(),
  time: Type.Number(),
  app: Type.String(),
  instance: Type.Union([Type.Integer(), Type.Null()]),
  type: Type.String(),
  from: Type.Union([Type.String(), Type.Null()]),
  to: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])
})
export type EventView = Static<typeof EventView>

export const AppParams = Type.Object({ app: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })
/** `?instance=N`: the operation touches that worker only (`sup stop api:1`). */
export const InstanceQuery = Type.Object({ instance: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })) }, { additionalProperties: false })
export type InstanceQuery = Static<typeof InstanceQuery>
/** restart / reload body: `shellEnv` (--update-env) replaces the stored shell environment first. */
export const RestartBody = Type.Union([Type.Object({ shellEnv: Type.Optional(EnvRecord) }, { additionalProperties: false }), Type.Null()])
export type RestartBody = Static<typeof RestartBody>
/** POST /apps/:app/signal */
export const SignalBody = Type.Object({ signal: Type.String({ pattern: '^(SIG)?[A-Z0-9]{2,10}$' }), instance: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })) }, { additionalProperties: false })
export type SignalBody = Static<typeof SignalBody>
export const SignalResult = Type.Object({ signalled: Type.Array(Type.Object({ instance: Type.Integer(), pid: Type.Integer() })) })
export type SignalResult = Static<typeof SignalResult>
/** GET /apps/:app/env?instance=N[&values=true]: a worker's variable names (values only when asked). */
export const EnvQuery = Type.Object({ instance: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })), values: Type.Optional(Type.Boolean()) }, { additionalProperties: false })
export type EnvQuery = Static<typeof EnvQuery>
export const EnvView = Type.Object({ names: Type.Array(Type.String()), values: Type.Optional(Type.Record(Type.String(), Type.String())) })
export type EnvView = Static<typeof EnvView>
export const FlushResult = Type.Object({ files: Type.Integer() })
export type FlushResult = Static<typeof FlushResult>
/** POST /apps/:app/scale; `portRange` changes the app's range first (it must keep every worker's port). */
export const ScaleBody = Type.Object({ instances: NumberOrString, portRange: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false })
export type ScaleBody = Static<typeof ScaleBody>
export const EventsQuery = Type.Object({
  app: Type.Optional(Type.String({ maxLength: 256 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  /** true: answer NDJSON (one EventView a line), the last `limit` events then new ones until the client disconnects. */
  follow: Type.Optional(Type.Boolean())
}, { additionalProperties: false })
export type EventsQuery = Static<typeof EventsQuery>

/** Which output stream a log line came from; `sup` marks sup's own notes (docs/logs.md). */
export const LogStream = Type.Union([Type.Literal('out'), Type.Literal('err'), Type.Literal('sup')])
export type LogStream = Static<typeof LogStream>

/** One line of a worker's output, as GET /logs streams it (NDJSON). */
export const LogRecord = Type.Object({
  /** Epoch ms when sup-logd read the line's end. */
  time: Type.Number(),
  app: Type.String(),
  instance: Type.Integer(),
  stream: LogStream,
  /** The app's bytes decoded as UTF-8 (invalid sequences replaced), without the newline; never escaped or re-wrapped. */
  line: Type.String()
})
export type LogRecord = Static<typeof LogRecord>

/** `all`, `<app>` or `<app>:<instance>`. */
export const LogsParams = Type.Object({ target: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false })
export type LogsParams = Static<typeof LogsParams>
export const LogsQuery = Type.Object({
  /** The last N lines of each worker before following (default 20; 0: none). */
  lines: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  /** Keep the answer open and stream new lines (default false). */
  follow: Type.Optional(Type.Boolean()),
  /** Only this stream (default both, plus sup's own notes). */
  stream: Type.Optional(Type.Union([Type.Literal('out'), Type.Literal('err')])),
  /** Only lines written at or after this epoch ms. */
  since: Type.Optional(Type.Number({ minimum: 0 }))
}, { additionalProperties: false })
export type LogsQuery = Static<typeof LogsQuery>

/** `protocol`: the API version (PROTOCOL_VERSION); a daemon of sup 0.1.0 sends none. */
/** A daemon setting in effect, by its environment variable: the CLI warns when its own environment disagrees. */
export const HealthSetting = Type.Object({ value: Type.Union([Type.String(), Type.Null()]), source: Type.Union([Type.Literal('env'), Type.Literal('config'), Type.Literal('default')]), configValue: Type.Optional(Type.Union([Type.String(), Type.Null()])) })
export const HealthView = Type.Object({ ok: Type.Boolean(), pid: Type.Integer(), version: Type.String(), protocol: Type.Optional(Type.Integer()), home: Type.String(), settings: Type.Optional(Type.Record(Type.String(), HealthSetting)) })
export type HealthView = Static<typeof HealthView>

/** Every error the API returns has this body. */
export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()) })
})
export type ErrorBody = Static<typeof ErrorBody>

export const AppList = Type.Object({ apps: Type.Array(AppView) })
export type AppList = Static<typeof AppList>
export const EventList = Type.Object({ events: Type.Array(EventView) })
export type EventList = Static<typeof EventList>
export const DeleteResult = Type.Object({ deleted: Type.String(), releasesRemoved: Type.Optional(Type.Integer()) })
/** `sup delete --keep-releases`: the app's deployed releases stay on disk (by default they are removed with it). */
export const DeleteQuery = Type.Object({ keepReleases: Type.Optional(Type.Boolean()) }, { additionalProperties: false })
export type DeleteResult = Static<typeof DeleteResult>
/** `keepWorkers: true` replaces the daemon without touching the apps (the next daemon adopts them). */
export const ShutdownBody = Type.Object({ keepWorkers: Type.Optional(Type.Boolean()) }, { additionalProperties: false })
export type ShutdownBody = Static<typeof ShutdownBody>
export const ShutdownResult = Type.Object({ ok: Type.Boolean(), pid: Type.Integer() })
export type ShutdownResult = Static<typeof ShutdownResult>
export const StartQuery = Type.Object({ wait: Type.Optional(Type.Boolean()) }, { additionalProperties: false })
export type StartQuery = Static<typeof StartQuery>

export const NginxQuery = Type.Object({
  listen: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z.:\\[\\]_ -]{1,64}$' })),
  serverName: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z.*_ -]{1,253}$' }))
}, { additionalProperties: false })
export type NginxQuery = Static<typeof NginxQuery>
export const NginxView = Type.Object({ upstreamPath: Type.String(), upstream: Type.String(), server: Type.String() })
export type NginxView = Static<typeof NginxView>

/** `GET /daemon/ports`: every port the daemon holds for a worker (runner or reload replacement), sorted by port. */
export const HeldPortView = Type.Object({ port: Type.Integer(), holder: Type.String() })   // holder: '<app>:<instance>'
export type HeldPortView = Static<typeof HeldPortView>
export const PortList = Type.Object({ ports: Type.Array(HeldPortView) })
export type PortList = Static<typeof PortList>
