// Composition root: the only file that reads env/argv, builds adapters, listens and traps signals.
import { chmodSync, constants as fsConstants, rmSync } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import type { Logger } from 'pino'
import { HomeError, loadDaemonConfig, type DaemonConfig } from './config.ts'
import { createSystemClock } from './adapters/system-clock.ts'
import { createProcessSpawner } from './adapters/process-spawner.ts'
import { createPortProbe } from './adapters/port-probe.ts'
import { readUpstreamHosts } from './adapters/listening-sockets.ts'
import { createProcTable } from './adapters/proc-table.ts'
import type { HomeLock } from './adapters/home-lock.ts'
import { reapMarked } from './adapters/stray-reaper.ts'
import { checkDatabase } from './adapters/state-check.ts'
import { createLogdKeeper, type LogdKeeper } from './adapters/logd-keeper.ts'
import { HANDOFF_FLAG, openHandoff } from './adapters/start-handoff.ts'
import { serveHandoff } from './handoff-service.ts'
import { healthAnswer } from './http/health.ts'
import { createWorkerOutput } from './adapters/worker-output.ts'
import { workerLogPath } from './logs/index.ts'
import { readLastRecords } from './logs/log-reader.ts'
import { httpCheck } from './adapters/http-check.ts'
import { ignoreMatcher, watchForChanges } from './adapters/chokidar-watcher.ts'
import { createNginxPublisher } from './adapters/nginx-upstream.ts'
import { createPortBroker, type PortBroker } from './runtime/port-broker.ts'
import { createSupervisor, type Supervisor } from './runtime/supervisor.ts'
import type { buildServer, ServerDeps } from './http/server.ts'
import { toEventView } from './runtime/app-view.ts'
import { VERSION } from './version.ts'
import { setUpDeploys, type DeploySetup } from './deploy/setup.ts'
import { loadDeployLimits } from './deploy/limits.ts'
import { createTokenCheck, ensureToken } from './http/auth.ts'
import { createProcSampler } from './adapters/proc-sampler.ts'
import { startResourceWatch, type ResourceWatch } from './runtime/resource-watch.ts'
import { createLazyMetrics } from './http/lazy-metrics.ts'
import { lockHome, openDaemonLog, openState, pick, recordOn, recordSettingsAtBoot, removeRunFiles, type RotatingLog } from './daemon-state.ts'
import { DEFAULT_TIMING } from './core/defaults.ts'
import { baseEnvironment } from './core/base-env.ts'
import { liveSettingsFrom, readBootSettings, type BootSettings, type LiveSettings } from './settings/boot.ts'
import { createConfigService, type ConfigService } from './settings/service.ts'
import type { Clock, PortProbe, ProcessTable, StateStore } from './core/ports.ts'

/** sup-logd, the log collector, not started yet (until it reads, worker output waits in the pipes, 64 KiB each). */
function createLogd (config: DaemonConfig, settings: BootSettings): LogdKeeper {
  const isSource = import.meta.url.endsWith('.ts')
  return createLogdKeeper({
    entry: new URL(isSource ? './logd-main.ts' : './logd-main.cjs', import.meta.url).pathname,
    execArgv: isSource ? process.execArgv : [],
    // the small base environment, never the daemon's secrets (docs/security.md; the keeper adds malloc's), and the daemon's
    // NODE_OPTIONS (SUP_NODE_OPTIONS: the operator's --require, the tests' per-Node better-sqlite3 build); never workers'
    env: { ...baseEnvironment(process.env), SUP_HOME: config.home, ...pick(process.env, 'NODE_OPTIONS'), ...pick(settings.env, 'SUP_LOG_LEVEL') },
    lockPath: config.logdLockPath,
    pidPath: config.logdPidPath
  })
}

/** The settings a running daemon applies without a restart (`sup config set`): read at each use. */
interface Live { current: LiveSettings }

interface Runtime { readonly clock: Clock; readonly procs: ProcessTable; readonly store: StateStore; readonly log: Logger; readonly baseEnv: Record<string, string>; readonly live: Live; readonly broker: PortBroker; readonly probe: PortProbe }

/** `--watch`: sup's own files never trigger a reload (its logs, nginx files, database, pid, socket and token). */
function watchAppFiles (config: DaemonConfig): Parameters<typeof createSupervisor>[0]['watchApp'] {
  const OWN = /^(sup\.(db|pid|sock)|apps\.json|daemon\.log|logd\.(log|pid)|token)/
  const isOwnFile = (p: string): boolean => p.startsWith(`${config.home}/`) && OWN.test(p.slice(config.home.length + 1))
  return (spec, onChange, onReady) => {
    const ignored = ignoreMatcher(spec.watchIgnore, [config.logsDir, `${config.home}/nginx`])
    return watchForChanges(spec.watch ?? [], (p) => ignored(p) || isOwnFile(p), 300, onChange, onReady)
  }
}

type NginxPublisher = ReturnType<typeof createNginxPublisher>

/** The nginx upstream writer; its commands are read at each publish, so `sup config set nginx.reload …` applies at once. */
function buildNginx (config: DaemonConfig, rt: Runtime): NginxPublisher {
  const { live } = rt
  return createNginxPublisher({
    dir: config.nginxDir,
    get testCommand () { return live.current.nginxTest },
    get reloadCommand () { return live.current.nginxReload },
    debounceMs: 50,
    // nginx's master waits ~100 ms before retiring old workers: a publish counts as done after that
    settleMs: 200,
    onEvent: recordOn(rt.store, rt.log, 'an nginx event'),
    hostOf: readUpstreamHosts // 127.0.0.1 for each port, [::1] for a port that listens on ::1 only
  })
}

/** The supervisor on the real adapters: child processes, /proc, the nginx upstream writer, the port broker. */
function buildSupervisor (config: DaemonConfig, rt: Runtime, nginx: NginxPublisher, readTail: (app: string, instance: number, lines: number) => Promise<string>): Supervisor {
  const output = createWorkerOutput(config.pipesDir)
  const { live, probe } = rt
  const publisher = { publish: nginx.publish, remove: nginx.remove, lastError: nginx.lastError, reconcile: nginx.reconcile, get reloadsNginx () { return live.current.nginxReload !== null } }
  return createSupervisor({
    clock: rt.clock,
    spawner: createProcessSpawner(),
    probe,
    procs: rt.procs,
    store: rt.store,
    broker: rt.broker,
    random: Math.random,
    prepareOutput: (spec, instance) => output.prepare(spec, instance),
    removeOutput: (app, instance) => output.remove(app, instance),
    markerPrefix: config.markerPrefix,
    // workers start from a small base, never the daemon's own environment (secrets, NODE_PATH of the sup shim)
    baseEnv: { ...baseEnvironment(rt.baseEnv), SUP_HOME: config.home },
    get portPool () { return live.current.portPool },
    get logDefaults () { return { maxSize: live.current.logMaxSize, files: live.current.logFiles } },
    isFile: async (p) => (await stat(p).catch(() => null))?.isFile() ?? false,
    isExecutable: async (p) => { try { await access(p, fsConstants.X_OK); return true } catch { return false } },
    httpCheck,
    publisher,
    watchApp: watchAppFiles(config),
    readTail,
    reapStrays: (keep, found) => reapMarked(rt.procs, config.markerPrefix, keep, DEFAULT_TIMING.killTimeoutMs, found),
    onError: (err, where) => rt.log.error({ err, where }, 'supervisor error')
  })
}

interface Daemon {
  readonly config: DaemonConfig
  readonly lock: HomeLock
  readonly log: Logger
  readonly daemonLog: RotatingLog
  readonly store: StateStore & { close (): void }
  readonly supervisor: Supervisor
  readonly deploys: DeploySetup
  readonly watch: ResourceWatch
  readonly logd: LogdKeeper
  readonly settings: BootSettings
  readonly live: Live
  readonly nginx: NginxPublisher
  readonly broker: PortBroker
}

type Servers = { server: HttpServer; tcpServer: HttpServer | null }
type HttpServer = ReturnType<typeof buildServer>

/** The HTTP API on the unix socket, and on TCP behind the bearer token when `sup daemon --listen` asked for it. */
async function buildServers (d: Daemon, configService: ConfigService, requestShutdown: (keepWorkers: boolean) => void): Promise<Servers> {
  // the HTTP API (fastify, typebox) loads only now: a handed start request spawned its workers before (serveHandoff)
  const { buildServer } = await import('./http/server.ts')
  const metrics = createLazyMetrics({ apps: () => d.watch.listApps(), wallNow: () => Date.now() })
  const serverDeps: ServerDeps = {
    supervisor: { ...d.supervisor, listApps: d.watch.listApps, getApp: d.watch.getApp },
    version: VERSION,
    home: d.config.home,
    pid: process.pid,
    logsDir: d.config.logsDir,
    eventsAfter: (q) => d.store.listEventsAfter(q).map(toEventView),
    nginxDir: d.config.nginxDir,
    servingPorts: (app) => d.supervisor.servingPorts(app),
    upstreamHosts: readUpstreamHosts,
    heldPorts: () => d.broker.list(),
    logger: d.log.child({ component: 'http' }, { level: 'warn' }), // fastify logs each request at info: warn and up only
    requestShutdown,
    deploy: d.deploys.service,
    usage: { metrics, samples: d.watch.samples, fresh: d.watch.fresh },
    uploadIdleTimeoutMs: loadDeployLimits(d.settings.env).uploadIdleTimeoutMs,
    // the test suites set it: each answer is checked against its response schema (http/lazy-compilers.ts)
    checkAnswers: process.env.SUP_CHECK_ANSWERS === '1',
    config: configService
  }
  const server = buildServer(serverDeps)
  const tcpServer = d.deploys.listen === null ? null : buildServer({ ...serverDeps, authorize: createTokenCheck(ensureToken(`${d.config.home}/token`)) })
  return { server, tcpServer }
}

/** A settings change from `sup config`: applied at once where it can be (nginx commands, port pool, npm scripts). */
function applySettings (d: Daemon, asEnv: Parameters<typeof liveSettingsFrom>[0]): void {
  const was = d.live.current.nginxReload
  d.live.current = liveSettingsFrom(asEnv)
  d.log.info({ nginxReload: d.live.current.nginxReload, portPool: d.live.current.portPool }, 'settings changed')
  // A reload command set now: nginx may hold an upstream older than the files (workers moved meanwhile)
  if (d.live.current.nginxReload !== null && String(d.live.current.nginxReload) !== String(was)) for (const a of d.supervisor.listApps()) void d.nginx.publish(a.name, d.supervisor.servingPorts(a.name))
}

/** Stops the daemon; unless keepWorkers, every worker and sup-logd first (the apps' desired states are kept). */
function createShutdown (d: Daemon, closeServers: () => Promise<void>, stopWatchingLogd: () => void) {
  let stopping = false
  const shutdown = async (why: string, keepWorkers = false): Promise<void> => {
    if (stopping) return
    stopping = true
    d.log.info({ why, keepWorkers }, keepWorkers ? 'exiting, workers left running for the next daemon' : 'shutting down: stopping every worker')
    stopWatchingLogd()
    d.watch.stop()
    if (!keepWorkers) {
      await d.supervisor.shutdown()
      await d.logd.stop(5_000)
    }
    await closeServers()
    d.deploys.close()
    d.store.close()
    removeRunFiles(d.config)
    d.lock.release()
    d.log.info('stopped')
    d.daemonLog.close()
    process.exit(0)
  }
  /** True once a shutdown began: a daemon still starting then never opens its API. */
  return Object.assign(shutdown, { began: () => stopping })
}

/** Listens on the unix socket (0600) and, when asked, on TCP. */
async function listen (d: Daemon, servers: Servers): Promise<void> {
  rmSync(d.config.socketPath, { force: true })
  // The socket is created 0600 (umask 077 around listen: no window before the chmod); workers keep the daemon's own umask
  const umask = process.umask(0o077)
  try { await servers.server.listen({ path: d.config.socketPath }) } finally { process.umask(umask) }
  chmodSync(d.config.socketPath, 0o600)
  if (servers.tcpServer !== null && d.deploys.listen !== null) {
    await servers.tcpServer.listen({ host: d.deploys.listen.host, port: d.deploys.listen.port })
    d.log.info({ host: d.deploys.listen.host, port: d.deploys.listen.port }, 'TCP API listening (bearer token required)')
  }
}

function trapSignals (shutdown: (why: string) => Promise<void>): void {
  process.on('SIGTERM', () => { void shutdown('SIGTERM') })
  process.on('SIGINT', () => { void shutdown('SIGINT') })
  process.on('SIGHUP', () => undefined)
  process.on('SIGPIPE', () => undefined)
}

/** Everything the daemon is made of, built in order; nothing runs yet. */
async function assemble (settings: BootSettings, config: DaemonConfig): Promise<Daemon> {
  const lock = await lockHome(config)
  // Before this daemon makes sup.pid and logs/: they are how a missing sup.db is told from a first start.
  const dbCheck = checkDatabase(config.dbPath, [config.pidPath, config.logsDir, `${config.home}/apps.json`], new Date())
  const { log, daemonLog } = openDaemonLog(config)
  const clock = createSystemClock()
  const store = openState(config, dbCheck, log)
  recordSettingsAtBoot(settings, dbCheck, recordOn(store, log, 'a settings event'), log)
  const live: Live = { current: liveSettingsFrom(settings.resolution.asEnv) }
  const baseEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) baseEnv[k] = v
  const logd = createLogd(config, settings)
  const readTail = async (app: string, instance: number, lines: number): Promise<string> => (await readLastRecords(workerLogPath(config.logsDir, app, instance), lines)).map((l) => l.line.toString('utf8')).join('\n')
  const probe = createPortProbe()
  const broker = createPortBroker(probe)
  const rt: Runtime = { clock, procs: createProcTable(), store, log, baseEnv, live, broker, probe }
  const nginx = buildNginx(config, rt)
  const supervisor = buildSupervisor(config, rt, nginx, readTail)
  const deploys = setUpDeploys({
    home: config.home, dbPath: config.dbPath, get portPool () { return live.current.portPool }, get logDefaults () { return { maxSize: live.current.logMaxSize, files: live.current.logFiles } }, env: settings.env, baseEnv, supervisor, ports: broker, readTail,
    installScripts: () => live.current.npmInstallScripts,
    onEvent: (app, type, reason) => recordOn(store, log, 'a deploy event')(app, type, reason)
  })
  // Usage sampling, resource rules and cron restarts (docs/api.md: GET /metrics)
  const watch = startResourceWatch({ clock, sampler: createProcSampler(), supervisor, onError: (err, where) => log.error({ err, where }, 'resource watch error') })
  return { config, lock, log, daemonLog, store, supervisor, deploys, watch, logd, settings, live, nginx, broker }
}

async function main (): Promise<void> {
  // Settings: config.json, each overridden by its SUP_* variable for this daemon's life (docs/config.md)
  const settings = readBootSettings(process.env)
  // opened first: the CLI may send its request while this daemon is still loading
  const handoff = process.argv.includes(HANDOFF_FLAG) ? openHandoff() : null
  const d = await assemble(settings, loadDaemonConfig(settings.env))
  // sup-logd starts beside the boot; with a handed start and no worker adopted, once that is answered (docs/logs.md)
  let logdUp = handoff === null ? d.logd.ensure() : null
  // before boot: a promise rejected and never handled is logged, and the daemon keeps serving (never dies of it)
  process.on('unhandledRejection', (err) => { d.log.error({ err }, 'unhandled rejection (the daemon keeps serving)') })
  let stopWatchingLogd: () => void = () => undefined
  // built after the boot (fastify loads then): a shutdown before that has none to close
  const http: { servers?: Servers } = {}
  const shutdown = createShutdown(d, async () => { await http.servers?.server.close(); await http.servers?.tcpServer?.close() }, () => stopWatchingLogd())
  const booted = await d.supervisor.boot()
  d.log.info(booted, 'state restored')
  if (booted.adopted > 0) logdUp ??= d.logd.ensure()
  // from here a SIGTERM stops the daemon as `sup kill` does (before, node's default ends it: its workers run on)
  trapSignals(shutdown)
  // `sup config`: settings read and written by the API, and reported with the start handoff's answer
  const configService = createConfigService({ path: d.config.configPath, file: d.settings.file, env: process.env, apply: (asEnv) => applySettings(d, asEnv) })
  const leftovers = d.deploys.reconcile()
  if (leftovers.length > 0) d.log.warn({ removed: leftovers }, 'removed what an interrupted deploy left')
  if (handoff !== null) {
    await serveHandoff(handoff, {
      createApp: (input, wait) => d.supervisor.createApp(input, wait),
      health: () => healthAnswer({ pid: process.pid, version: VERSION, home: d.config.home, config: configService }),
      log: d.log,
      notNeeded: (why) => { if (d.supervisor.listApps().length === 0) void shutdown(`no app, and not needed by the command that started it: ${why}`) }
    })
  }
  if (shutdown.began()) return
  logdUp ??= d.logd.ensure()
  const servers = await buildServers(d, configService, (keepWorkers) => { void shutdown('shutdown requested', keepWorkers) })
  if (shutdown.began()) return
  http.servers = servers
  stopWatchingLogd = d.logd.watch(2_000, () => d.log.warn('sup-logd was gone and has been started again'))
  await listen(d, servers)
  d.log.info({ home: d.config.home, version: VERSION }, 'daemon ready')
  d.deploys.converge().then((done) => { if (done.length > 0) d.log.warn({ done }, 'brought apps back onto one release after an interrupted deploy') }, (err: unknown) => d.log.error({ err }, 'deploy converge failed'))
  if (!(await logdUp)) d.log.error('sup-logd did not start; worker output waits in its pipes until it does')
}

main().catch((err: unknown) => {
  process.stderr.write(`sup-daemon: ${err instanceof HomeError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
