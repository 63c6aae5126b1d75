// Composition root: the only file that reads env/argv, builds adapters, listens and traps signals.
import { chmodSync, constants as fsConstants, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { pino } from 'pino'
import { loadDaemonConfig } from './config.ts'
import { createSystemClock } from './adapters/system-clock.ts'
import { createExecaSpawner } from './adapters/execa-spawner.ts'
import { createPortProbe } from './adapters/port-probe.ts'
import { createProcTable } from './adapters/proc-table.ts'
import { openSqliteStore } from './adapters/sqlite-store.ts'
import { acquireHomeLock } from './adapters/home-lock.ts'
import { reapMarked } from './adapters/stray-reaper.ts'
import { checkDatabase } from './adapters/state-check.ts'
import { withAppsMirror } from './adapters/apps-mirror.ts'
import { recoverLostState } from './adapters/state-recovery.ts'
import { createLogdKeeper } from './adapters/logd-keeper.ts'
import { createWorkerOutput } from './adapters/worker-output.ts'
import { openRotatingFile, workerLogPath } from './logs/index.ts'
import { readLastRecords } from './logs/log-reader.ts'
import { httpCheck } from './adapters/http-check.ts'
import { ignoreMatcher, watchForChanges } from './adapters/chokidar-watcher.ts'
import { createNginxPublisher } from './adapters/nginx-upstream.ts'
import { createPortBroker } from './runtime/port-broker.ts'
import { createSupervisor } from './runtime/supervisor.ts'
import { buildServer, type ServerDeps } from './http/server.ts'
import { toEventView } from './runtime/app-view.ts'
import { VERSION } from './version.ts'
import { setUpDeploys } from './deploy/setup.ts'
import { loadDeployLimits } from './deploy/limits.ts'
import { createTokenCheck, ensureToken } from './http/auth.ts'
import { createPidusageSampler } from './adapters/pidusage-sampler.ts'
import { startResourceWatch } from './runtime/resource-watch.ts'
import { createLazyMetrics } from './http/lazy-metrics.ts'
import { DEFAULT_LOGS, DEFAULT_TIMING } from './core/defaults.ts'
import { baseEnvironment } from './core/base-env.ts'
import { liveSettingsFrom, readBootSettings } from './settings/boot.ts'
import { createConfigService } from './settings/service.ts'

async function main (): Promise<void> {
  // Settings: config.json, each overridden by its SUP_* variable for this daemon's life (docs/config.md)
  const settings = readBootSettings(process.env)
  const config = loadDaemonConfig(settings.env)
  mkdirSync(config.home, { recursive: true, mode: 0o700 })
  if ((statSync(config.home).mode & 0o077) !== 0) chmodSync(config.home, 0o700)
  const lock = await acquireHomeLock(config.lockPath)
  if (lock === null) {
    process.stderr.write(`sup: a daemon is already running for ${config.home}; this one exits and changes nothing.\n`)
    process.exit(3)
  }
  // Before this daemon makes sup.pid and logs/: they are how a missing sup.db is told from a first start.
  const mirrorPath = `${config.home}/apps.json`
  const dbCheck = checkDatabase(config.dbPath, [config.pidPath, config.logsDir, mirrorPath], new Date())
  mkdirSync(config.logsDir, { recursive: true, mode: 0o700 })
  // The daemon's own log, rotated like a worker's (10 MiB x 5).
  const daemonLog = openRotatingFile(config.daemonLogPath, { maxSize: DEFAULT_LOGS.maxSize, files: DEFAULT_LOGS.files })
  const log = pino({ level: config.logLevel, base: { pid: process.pid } }, { write: (line: string) => { try { daemonLog.write(Buffer.from(line)) } catch { /* disk full: the daemon goes on */ } } })
  writeFileSync(`${config.pidPath}.tmp`, `${process.pid}\n`, { mode: 0o644 })
  renameSync(`${config.pidPath}.tmp`, config.pidPath)

  const clock = createSystemClock()
  const procs = createProcTable()
  const probe = createPortProbe()
  const store = withAppsMirror(openSqliteStore(config.dbPath), mirrorPath, (err) => log.error({ err }, 'cannot write apps.json'))
  const lost = recoverLostState(dbCheck, store, mirrorPath, config.markerPrefix, Date.now())
  if (lost !== null) {
    log.error(lost.data, `state-lost: ${lost.reason}`)
    try { store.addEvent({ time: Date.now(), app: '*', instance: null, type: 'state-lost', from: null, to: null, reason: lost.reason, data: lost.data }) } catch (err) { log.error({ err }, 'cannot record the state-lost event') }
  }
  store.syncMirror()
  const addEvent = (type: string, reason: string, data: Record<string, unknown> | null): void => {
    try { store.addEvent({ time: Date.now(), app: '*', instance: null, type, from: null, to: null, reason, data }) } catch (err) { log.error({ err }, `cannot record the ${type} event`) }
  }
  const migrated = settings.persistFirstFile(config.dbPath)
  if (migrated.length > 0) addEvent('config-migrated', `settings found only in the environment were written to ${settings.configPath}: ${migrated.join(', ')}`, { keys: migrated })
  for (const problem of settings.problems) { log.warn(problem); addEvent('config-ignored', problem, null) }
  let live = liveSettingsFrom(settings.resolution.asEnv)
  // Workers start from a small base, never the daemon's own environment (secrets, NODE_PATH of the sup shim)
  const workerBaseEnv = baseEnvironment(process.env)
  const baseEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) baseEnv[k] = v
  const output = createWorkerOutput(config.pipesDir)
  const isSource = import.meta.url.endsWith('.ts')
  const logd = createLogdKeeper({
    entry: new URL(isSource ? './logd-main.ts' : './logd-main.js', import.meta.url).pathname,
    execArgv: isSource ? process.execArgv : [],
    // sup-logd gets the small base environment, never the daemon's secrets (docs/security.md)
    env: { ...baseEnvironment(process.env), SUP_HOME: config.home, ...(settings.env.SUP_LOG_LEVEL === undefined ? {} : { SUP_LOG_LEVEL: settings.env.SUP_LOG_LEVEL }) },
    lockPath: config.logdLockPath,
    pidPath: config.logdPidPath
  })
  // sup-logd starts beside the boot, not before it: until it reads, worker output waits in the pipes (64 KiB each).
  const logdUp = logd.ensure()

  // The nginx commands are read at each publish: `sup config set nginx.reload …` applies at once
  const nginx = createNginxPublisher({
    dir: config.nginxDir,
    get testCommand () { return live.nginxTest },
    get reloadCommand () { return live.nginxReload },
    debounceMs: 50,
    // nginx's master waits ~100 ms before retiring old workers: a publish counts as done after that
    settleMs: 200,
    onEvent: (app, type, reason, data) => {
      try { store.addEvent({ time: Date.now(), app, instance: null, type, from: null, to: null, reason, data }) } catch (err) { log.error({ err }, 'cannot record an nginx event') }
    }
  })
  const publisher = { publish: nginx.publish, remove: nginx.remove, lastError: nginx.lastError, get reloadsNginx () { return live.nginxReload !== null } }
  const readTail = async (app: string, instance: number, lines: number): Promise<string> => (await readLastRecords(workerLogPath(config.logsDir, app, instance), lines)).map((l) => l.line.toString('utf8')).join('\n')
  const supervisor = createSupervisor({
    clock,
    spawner: createExecaSpawner(),
    probe,
    procs,
    store,
    broker: createPortBroker(probe),
    random: Math.random,
    prepareOutput: (spec, instance) => output.prepare(spec, instance),
    removeOutput: (app, instance) => output.remove(app, instance),
    markerPrefix: config.markerPrefix,
    baseEnv: workerBaseEnv,
    get portPool () { return live.portPool },
    isFile: async (p) => (await stat(p).catch(() => null))?.isFile() ?? false,
    isExecutable: async (p) => { try { await access(p, fsConstants.X_OK); return true } catch { return false } },
    httpCheck,
    publisher,
    watchApp: (spec, onChange, onReady) => {
      // sup's own files never trigger a reload: its logs, nginx files, its database, pid, socket and logs in SUP_HOME
      const ignored = ignoreMatcher(spec.watchIgnore, [config.logsDir, `${config.home}/nginx`])
      const OWN = /^(sup\.(db|pid|sock)|apps\.json|daemon\.log|logd\.(log|pid)|token)/
      const isOwnFile = (p: string): boolean => p.startsWith(`${config.home}/`) && OWN.test(p.slice(config.home.length + 1))
      return watchForChanges(spec.watch ?? [], (p) => ignored(p) || isOwnFile(p), 300, onChange, onReady)
    },
    readTail,
    reapStrays: (keep) => reapMarked(procs, config.markerPrefix, keep, DEFAULT_TIMING.killTimeoutMs),
    onError: (err, where) => log.error({ err, where }, 'supervisor error')
  })

  const deploys = setUpDeploys({
    home: config.home, dbPath: config.dbPath, portPool: config.portPool, env: settings.env, baseEnv, supervisor, readTail,
    installScripts: () => live.npmInstallScripts,
    onEvent: (app, type, reason) => { try { store.addEvent({ time: Date.now(), app, instance: null, type, from: null, to: null, reason, data: null }) } catch (err) { log.error({ err }, 'cannot record a deploy event') } }
  })
  // Usage sampling, resource rules and cron restarts (docs/api.md: GET /metrics)
  const watch = startResourceWatch({ clock, sampler: createPidusageSampler(), supervisor, onError: (err, where) => log.error({ err, where }, 'resource watch error') })
  const metrics = createLazyMetrics({ apps: () => watch.listApps(), wallNow: () => Date.now() })

  let stopping = false
  /** Stops the daemon; unless keepWorkers, every worker and sup-logd first (the apps' desired states are kept). */
  const shutdown = async (why: string, keepWorkers = false): Promise<void> => {
    if (stopping) return
    stopping = true
    log.info({ why, keepWorkers }, keepWorkers ? 'exiting, workers left running for the next daemon' : 'shutting down: stopping every worker')
    stopWatchingLogd()
    watch.stop()
    if (!keepWorkers) {
      await supervisor.shutdown()
      await logd.stop(5_000)
    }
    await server.close()
    await tcpServer?.close()
    deploys.close()
    store.close()
    rmSync(config.socketPath, { force: true })
    rmSync(config.pidPath, { force: true })
    lock.release()
    log.info('stopped')
    daemonLog.close()
    process.exit(0)
  }

  // Requests are logged at info by fastify: keep the daemon log for what matters (warn and up).
  const serverDeps: ServerDeps = {
    supervisor: { ...supervisor, listApps: watch.listApps, getApp: watch.getApp },
    version: VERSION,
    home: config.home,
    pid: process.pid,
    logsDir: config.logsDir,
    eventsAfter: (q) => store.listEventsAfter(q).map(toEventView),
    nginxDir: config.nginxDir,
    servingPorts: (app) => supervisor.servingPorts(app),
    logger: log.child({ component: 'http' }, { level: 'warn' }),
    requestShutdown: (keepWorkers) => { void shutdown('shutdown requested', keepWorkers) },
    deploy: deploys.service,
    usage: { metrics, samples: watch.samples },
    uploadIdleTimeoutMs: loadDeployLimits(settings.env).uploadIdleTimeoutMs,
    config: createConfigService({
      path: config.configPath,
      file: settings.file,
      env: process.env,
      apply: (asEnv) => {
        const was = live.nginxReload
        live = liveSettingsFrom(asEnv)
        log.info({ nginxReload: live.nginxReload, portPool: live.portPool }, 'settings changed')
        // A reload command set now: nginx may hold an upstream older than the files (workers moved meanwhile)
        if (live.nginxReload !== null && String(live.nginxReload) !== String(was)) for (const a of supervisor.listApps()) void nginx.publish(a.name, supervisor.servingPorts(a.name))
      }
    })
  }
  const server = buildServer(serverDeps)
  // `sup daemon --listen`: the same API on TCP, every route behind the bearer token of $SUP_HOME/token
  const tcpServer = deploys.listen === null ? null : buildServer({ ...serverDeps, authorize: createTokenCheck(ensureToken(`${config.home}/token`)) })
  const restored = await supervisor.boot()
  log.info(restored, 'state restored')
  const leftovers = deploys.reconcile()
  if (leftovers.length > 0) log.warn({ removed: leftovers }, 'removed what an interrupted deploy left')
  const stopWatchingLogd = logd.watch(2_000, () => log.warn('sup-logd was gone and has been started again'))
  rmSync(config.socketPath, { force: true })
  // The socket is created 0600 (umask 077 around listen: no window before the chmod); workers keep the daemon's own umask
  const umask = process.umask(0o077)
  try { await server.listen({ path: config.socketPath }) } finally { process.umask(umask) }
  chmodSync(config.socketPath, 0o600)
  if (tcpServer !== null && deploys.listen !== null) {
    await tcpServer.listen({ host: deploys.listen.host, port: deploys.listen.port })
    log.info({ host: deploys.listen.host, port: deploys.listen.port }, 'TCP API listening (bearer token required)')
  }
  log.info({ home: config.home, version: VERSION }, 'daemon ready')
  deploys.converge().then((done) => { if (done.length > 0) log.warn({ done }, 'brought apps back onto one release after an interrupted deploy') }, (err: unknown) => log.error({ err }, 'deploy converge failed'))
  if (!(await logdUp)) log.error('sup-logd did not start; worker output waits in its pipes until it does')

  process.on('SIGTERM', () => { void shutdown('SIGTERM') })
  process.on('SIGINT', () => { void shutdown('SIGINT') })
  process.on('SIGHUP', () => undefined)
  process.on('SIGPIPE', () => undefined)
}

main().catch((err: unknown) => {
  process.stderr.write(`sup-daemon: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
