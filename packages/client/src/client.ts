// createClient(): the daemon's HTTP API as typed, promise-returning methods. Failures reject with SupClientError.
import type { AppList, AppSamples, AppSpecInput, AppView, ConfigChange, ConfigView, DeleteResult, DeployResult, EnvView, EventList, EventsQuery, EventView, FlushResult, HealthView, LogRecord, NginxView, ReleaseList, ShutdownResult, SignalResult, WorkerState } from '@sup/protocol'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { createDeployMethods, type DeployOptions, type WaitForOptions } from './deploy.ts'
import { createTransport, defaultHome, socketPathOf } from './transport.ts'

export interface ClientOptions {
  /** The sup home (default `$SUP_HOME`, else `~/.sup`); the socket is `<home>/sup.sock`. */
  home?: string
  /** The API socket, when it is not `<home>/sup.sock`. */
  socketPath?: string
  /** The TCP API instead of the socket, e.g. `http://127.0.0.1:9002`. */
  baseUrl?: string
  /** Same as `baseUrl` (`createClient({ url, token })`). */
  url?: string
  /** Bearer token for the TCP API (`<home>/token`). */
  token?: string
}

/** Per-call options. `timeoutMs` replaces the method's default (0 = none). */
export interface CallOptions { timeoutMs?: number }

/** `wait: false` answers as soon as the app is recorded, before its workers are up. */
export interface StartOptions extends CallOptions { wait?: boolean }

/** `instance`: only that worker (`sup stop api:1`). */
export interface InstanceOptions extends CallOptions { instance?: number }

/** `shellEnv` (--update-env) replaces the stored shell environment before the restart or reload. */
export interface RestartOptions extends InstanceOptions { shellEnv?: Record<string, string> }

/** `keepWorkers: true` makes the daemon exit leaving every worker running, for the next daemon to adopt. */
export interface ShutdownOptions extends CallOptions { keepWorkers?: boolean }

/** `sup logs`: the last `lines` of each worker (default 20), then (follow) new lines until `signal` aborts. */
export interface LogsOptions {
  lines?: number
  follow?: boolean
  /** Only stdout or only stderr (default both, and sup's own notes). */
  stream?: 'out' | 'err'
  /** Only lines from this epoch ms on. */
  since?: number
  /** Aborting ends the iteration without an error (Ctrl-C). */
  signal?: AbortSignal
  /** How long to wait for the answer to start (default READ_TIMEOUT_MS; 0 = none). */
  timeoutMs?: number
}

/** `sup events --follow`: the last `limit` events (default 100), then (follow) new ones until `signal` aborts. */
export interface EventStreamOptions {
  app?: string
  limit?: number
  follow?: boolean
  /** Aborting ends the iteration without an error. */
  signal?: AbortSignal
  timeoutMs?: number
}

/** Health checks must answer fast; a stuck daemon is an error. */
export const HEALTH_TIMEOUT_MS = 2_000
/** Reads (list, show, events) answer from memory or SQLite. */
export const READ_TIMEOUT_MS = 30_000
/** The daemon answers 202 at once, then shuts down. */
export const SHUTDOWN_TIMEOUT_MS = 10_000

export interface SupClient {
  /** The sup home this client belongs to (where sup.pid and daemon.log live). */
  readonly home: string
  /** Where requests go: the socket path or the base URL. */
  readonly target: string
  /** GET /healthz: answers within 2 s or rejects. */
  health (opts?: CallOptions): Promise<HealthView>
  /** GET /apps */
  listApps (opts?: CallOptions): Promise<AppList>
  /** GET /apps/:app */
  getApp (name: string, opts?: CallOptions): Promise<AppView>
  /** POST /apps: defines and starts an app; by default answers once every worker is online or failed its first start. */
  startApp (input: AppSpecInput, opts?: StartOptions): Promise<AppView>
  /** POST /apps/:app/start: starts a defined (stopped) app again. */
  startExisting (name: string, opts?: CallOptions): Promise<AppView>
  /** PUT /apps/:app: applies a changed definition to a running app (rolled zero-downtime), or creates it. */
  applyApp (input: AppSpecInput & { name: string }, opts?: CallOptions): Promise<AppView>
  /** POST /apps/:app/stop: answers once every process of every worker is gone. */
  stopApp (name: string, opts?: InstanceOptions): Promise<AppView>
  /** POST /apps/:app/restart */
  restartApp (name: string, opts?: RestartOptions): Promise<AppView>
  /** GET /apps/:app/nginx: the live upstream and a server block to include (listen defaults to 80). */
  nginx (name: string, q?: { listen?: number | string; serverName?: string }, opts?: CallOptions): Promise<NginxView>
  /** POST /apps/:app/reload: zero-downtime rolling replacement; rejects with SUP_ERR_RELOAD_FAILED (old workers keep serving). */
  reloadApp (name: string, opts?: RestartOptions): Promise<AppView>
  /** POST /apps/:app/signal: sends a signal to every worker's process, or to one instance's. */
  signalApp (name: string, signal: string, opts?: InstanceOptions): Promise<SignalResult>
  /** GET /apps/:app/env: the variable names a worker runs with (values only with `values: true`). */
  workerEnv (name: string, opts?: InstanceOptions & { values?: boolean }): Promise<EnvView>
  /** POST /apps/:app/flush: empties the app's log files. */
  flushLogs (name: string, opts?: CallOptions): Promise<FlushResult>
  /**
   * POST /apps/:app/scale: `instances` as a number or a string the daemon parses ("5"); `portRange` ("8000-8019")
   * changes the app's port range first: it must keep every worker's port (no worker moves).
   */
  scaleApp (name: string, instances: number | string, opts?: CallOptions & { portRange?: string }): Promise<AppView>
  /** DELETE /apps/:app: answers once its workers are gone. */
  deleteApp (name: string, opts?: CallOptions & { keepReleases?: boolean }): Promise<DeleteResult>
  /** GET /metrics: Prometheus text exposition (workers, apps, the daemon itself). */
  metrics (opts?: CallOptions): Promise<string>
  /** GET /apps/:app/samples: the last minute of CPU and memory samples of each worker. */
  samples (name: string, opts?: CallOptions): Promise<AppSamples>
  /** GET /events as a list: oldest first; the daemon's default limit is 100. */
  listEvents (query?: EventsQuery, opts?: CallOptions): Promise<EventList>
  /** The events as an async iterator (the same as streamEvents): the last events, then (follow) new ones. */
  events (opts?: EventStreamOptions): AsyncGenerator<EventView>
  /** GET /logs/:target (`all`, `<app>`, `<app>:<i>`): log lines as they arrive, oldest first; an unknown app rejects (SUP_ERR_APP_NOT_FOUND) before any line. */
  logs (target: string, opts?: LogsOptions): AsyncGenerator<LogRecord>
  /** GET /events as a stream: the last events, then (follow) new ones as they happen. */
  streamEvents (opts?: EventStreamOptions): AsyncGenerator<EventView>
  /**
   * POST /daemon/shutdown: the daemon stops every worker (keeping desired states) and exits;
   * with `keepWorkers` it exits at once and leaves them running (a daemon upgrade).
   */
  shutdown (opts?: ShutdownOptions): Promise<ShutdownResult>
  /** POST /deploy/:user/:app: a directory (tarred with the ignore rules) or a tar.gz stream, uploaded as it is read. */
  deploy (source: string | Readable, opts: DeployOptions): Promise<DeployResult>
  /** GET /apps/:app/releases: newest first; `current` marks the one serving. */
  releases (app: string, opts?: CallOptions): Promise<ReleaseList>
  /** POST /apps/:app/rollback: back to release `id`, or the one before the current. */
  rollback (app: string, id?: string, opts?: CallOptions): Promise<DeployResult>
  /** GET /daemon/config: every setting, its value in effect and where it came from (environment, config.json, default). */
  getConfig (opts?: CallOptions): Promise<ConfigView>
  /** PUT /daemon/config/:key: checks and writes one setting to config.json (live ones take effect at once). */
  setConfig (key: string, value: string, opts?: CallOptions): Promise<ConfigChange>
  /** DELETE /daemon/config/:key: back to the default. */
  unsetConfig (key: string, opts?: CallOptions): Promise<ConfigChange>
  /** Resolves with the app once every worker is in `state`; rejects with SUP_ERR_CLIENT_WAIT_TIMEOUT. */
  waitFor (app: string, state: WorkerState, opts?: WaitForOptions): Promise<AppView>
}

function appPath (name: string, action?: string): string {
  return `/apps/${encodeURIComponent(name)}${action === undefined ? '' : `/${action}`}`
}

async function * listedEvents (answer: Promise<EventList>): AsyncGenerator<EventView> {
  yield * (await answer).events
}

/** A client of one daemon: by default the one of `$SUP_HOME` (or `~/.sup`) on its unix socket. */
export function createClient (options: ClientOptions = {}): SupClient {
  const home = options.home ?? defaultHome()
  const transport = createTransport({
    socketPath: options.socketPath ?? socketPathOf(home),
    baseUrl: options.baseUrl ?? options.url,
    token: options.token
  })
  const timeout = (opts: CallOptions | undefined, fallback?: number): number | undefined => opts?.timeoutMs ?? fallback
  const getApp = (name: string, opts?: CallOptions): Promise<AppView> => transport.request({ method: 'GET', path: appPath(name), timeoutMs: timeout(opts, READ_TIMEOUT_MS) })
  const deployMethods = createDeployMethods(transport, getApp)
  const streamEvents = (opts: EventStreamOptions = {}): AsyncGenerator<EventView> => opts.follow === true
    ? transport.stream<EventView>({ path: '/events', query: { app: opts.app, limit: opts.limit, follow: true }, signal: opts.signal, timeoutMs: timeout(opts, READ_TIMEOUT_MS) })
    : listedEvents(transport.request<EventList>({ method: 'GET', path: '/events', query: { app: opts.app, limit: opts.limit }, timeoutMs: timeout(opts, READ_TIMEOUT_MS) }))

  return {
    home,
    target: transport.target,
    health: (opts) => transport.request({ method: 'GET', path: '/healthz', timeoutMs: timeout(opts, HEALTH_TIMEOUT_MS) }),
    listApps: (opts) => transport.request({ method: 'GET', path: '/apps', timeoutMs: timeout(opts, READ_TIMEOUT_MS) }),
    getApp,
    startApp: (input, opts) => transport.request({
      method: 'POST',
      path: '/apps',
      query: { wait: opts?.wait === false ? false : undefined },
      body: input,
      timeoutMs: timeout(opts)
    }),
    startExisting: (name, opts) => transport.request({ method: 'POST', path: appPath(name, 'start'), timeoutMs: timeout(opts) }),
    applyApp: (input, opts) => transport.request({ method: 'PUT', path: appPath(input.name), body: input, timeoutMs: timeout(opts) }),
    stopApp: (name, opts) => transport.request({ method: 'POST', path: appPath(name, 'stop'), query: { instance: opts?.instance }, timeoutMs: timeout(opts) }),
    nginx: (name, q, opts) => transport.request({
      method: 'GET',
      path: appPath(name, 'nginx'),
      query: { listen: q?.listen === undefined ? undefined : String(q.listen), serverName: q?.serverName },
      timeoutMs: timeout(opts, READ_TIMEOUT_MS)
    }),
    restartApp: (name, opts) => transport.request({ method: 'POST', path: appPath(name, 'restart'), query: { instance: opts?.instance }, body: opts?.shellEnv === undefined ? undefined : { shellEnv: opts.shellEnv }, timeoutMs: timeout(opts) }),
    reloadApp: (name, opts) => transport.request({ method: 'POST', path: appPath(name, 'reload'), query: { instance: opts?.instance }, body: opts?.shellEnv === undefined ? undefined : { shellEnv: opts.shellEnv }, timeoutMs: timeout(opts) }),
    signalApp: (name, signal, opts) => transport.request({ method: 'POST', path: appPath(name, 'signal'), body: { signal, instance: opts?.instance }, timeoutMs: timeout(opts) }),
    workerEnv: (name, opts) => transport.request({ method: 'GET', path: appPath(name, 'env'), query: { instance: opts?.instance, values: opts?.values }, timeoutMs: timeout(opts, READ_TIMEOUT_MS) }),
    flushLogs: (name, opts) => transport.request({ method: 'POST', path: appPath(name, 'flush'), timeoutMs: timeout(opts) }),
    scaleApp: (name, instances, opts) => transport.request({ method: 'POST', path: appPath(name, 'scale'), body: opts?.portRange === undefined ? { instances } : { instances, portRange: opts.portRange }, timeoutMs: timeout(opts) }),
    deleteApp: (name, opts) => transport.request({ method: 'DELETE', path: appPath(name), query: { keepReleases: opts?.keepReleases === true ? true : undefined }, timeoutMs: timeout(opts) }),
    metrics: (opts) => transport.request<string>({ method: 'GET', path: '/metrics', text: true, timeoutMs: timeout(opts, READ_TIMEOUT_MS) }),
    samples: (name, opts) => transport.request({ method: 'GET', path: appPath(name, 'samples'), timeoutMs: timeout(opts, READ_TIMEOUT_MS) }),
    listEvents: (query, opts) => transport.request({
      method: 'GET',
      path: '/events',
      query: { app: query?.app, limit: query?.limit },
      timeoutMs: timeout(opts, READ_TIMEOUT_MS)
    }),
    logs: (target, opts = {}) => transport.stream<LogRecord>({
      path: `/logs/${encodeURIComponent(target)}`,
      query: { lines: opts.lines, follow: opts.follow, stream: opts.stream, since: opts.since },
      signal: opts.signal,
      timeoutMs: timeout(opts, READ_TIMEOUT_MS)
    }),
    streamEvents,
    events: streamEvents,
    shutdown: (opts) => transport.request({
      method: 'POST',
      path: '/daemon/shutdown',
      body: opts?.keepWorkers === undefined ? undefined : { keepWorkers: opts.keepWorkers },
      timeoutMs: timeout(opts, SHUTDOWN_TIMEOUT_MS)
    }),
    getConfig: (opts) => transport.request({ method: 'GET', path: '/daemon/config', timeoutMs: timeout(opts, READ_TIMEOUT_MS) }),
    setConfig: (key, value, opts) => transport.request({ method: 'PUT', path: `/daemon/config/${encodeURIComponent(key)}`, body: { value }, timeoutMs: timeout(opts, READ_TIMEOUT_MS) }),
    unsetConfig: (key, opts) => transport.request({ method: 'DELETE', path: `/daemon/config/${encodeURIComponent(key)}`, timeoutMs: timeout(opts, READ_TIMEOUT_MS) }),
    ...deployMethods
  }
}

/** The daemon's own log in a sup home, for error hints. */
export function daemonLogPath (home: string): string {
  return join(home, 'daemon.log')
}
