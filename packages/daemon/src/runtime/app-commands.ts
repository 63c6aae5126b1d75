// The operator's commands on apps: create, stop, start, restart, scale, delete — each one job in the app's queue.
import type { AppView } from '@sup/protocol'
import { normalizeAppSpec, specDefaultsOf, validateName, MAX_INSTANCES, type AppSpec, type AppSpecInput } from '../core/app-spec.ts'
import { formatPortRange, parsePortRange } from '../core/port-allocator.ts'
import { parseCount } from '../core/units.ts'
import { SUP_ERR_APP_EXISTS, SUP_ERR_INVALID_SPEC } from '../errors.ts'
import type { AppContext } from './app-context.ts'
import { freshWorker, storedApp } from './app-registry.ts'
import type { AppWatch } from './app-watch.ts'
import { checkRunnable } from './runnable.ts'
import type { AppEntry } from './supervisor-types.ts'
import type { WorkerRunner } from './worker-runner.ts'

export interface AppCommands {
  createApp (input: AppSpecInput, wait: boolean): Promise<AppView>
  stopApp (name: string): Promise<AppView>
  startApp (name: string): Promise<AppView>
  restartApp (name: string): Promise<AppView>
  /** With `portRange`, the app's range changes first (every worker's port kept: none moves). */
  scaleApp (name: string, instances: number | string, portRange?: string): Promise<AppView>
  deleteApp (name: string): Promise<string>
  /** Stops a worker past the app's instance count, then forgets it (row, output, port). */
  finishScaleDown (e: AppEntry, r: WorkerRunner): Promise<void>
}

const holdersOf = (app: string, from: number, count: number): string[] => Array.from({ length: count }, (_, i) => `${app}:${from + i}`)

export function createAppCommands (ctx: AppContext, watch: AppWatch): AppCommands {
  const { deps, registry, queue, events, upstream } = ctx

  /** One port per holder from the app's range; none for a --no-port app. */
  const claimPorts = async (spec: AppSpec, holders: readonly string[]): Promise<(number | null)[]> =>
    spec.hasPort ? deps.broker.claim(spec.portRange, holders) : holders.map(() => null)
  const releasePorts = (ports: readonly (number | null)[], holders: readonly string[]): void => {
    ports.forEach((p, i) => { if (p !== null) deps.broker.release(p, holders[i] ?? '') })
  }

  async function finishScaleDown (e: AppEntry, r: WorkerRunner): Promise<void> {
    await r.stop('scaled down')
    deps.store.deleteWorker(e.spec.name, r.instance)
    deps.removeOutput(e.spec.name, r.instance)
    if (r.port !== null) deps.broker.release(r.port, `${e.spec.name}:${r.instance}`)
    e.runners.delete(r.instance)
  }

  async function createApp (input: AppSpecInput, wait: boolean): Promise<AppView> {
    const spec = normalizeAppSpec(input, specDefaultsOf(deps))
    await checkRunnable(spec, deps)
    return queue.run(spec.name, async () => {
      if (registry.get(spec.name) !== undefined) throw new SUP_ERR_APP_EXISTS(spec.name)
      const holders = holdersOf(spec.name, 0, spec.instances)
      const ports = await claimPorts(spec, holders)
      const workers = ports.map((port, i) => freshWorker(spec.name, i, port))
      const e = registry.create(spec, 'running', deps.clock.wallNow())
      try { deps.store.createApp(storedApp(e), workers) } catch (err) {
        releasePorts(ports, holders)
        throw err
      }
      registry.add(e)
      events.appEvent(spec.name, 'create', `created with ${spec.instances} instance(s)`, { instances: spec.instances })
      const runners = workers.map((w) => ctx.addRunner(e, w))
      for (const r of runners) r.start('app started')
      watch.start(e)
      if (wait) await upstream.settle(runners, spec)
      return ctx.view(e)
    })
  }

  async function scaleUp (e: AppEntry, n: number): Promise<void> {
    const name = e.spec.name
    const old = e.spec.instances
    const holders = holdersOf(name, old, n - old)
    const ports = await claimPorts(e.spec, holders)
    const spec = { ...e.spec, instances: n }
    const workers = ports.map((p, i) => freshWorker(name, old + i, p))
    try {
      deps.store.saveApp({ ...storedApp(e), spec })
      for (const w of workers) deps.store.saveWorker(w)
    } catch (err) { releasePorts(ports, holders); throw err }
    e.spec = spec
    for (const r of e.runners.values()) r.setSpec(spec)
    const added = workers.map((w) => ctx.addRunner(e, w))
    if (e.desired === 'running') { for (const r of added) r.start('scaled up'); await upstream.settle(added, spec) }
  }

  async function scaleDown (e: AppEntry, n: number): Promise<void> {
    const spec = { ...e.spec, instances: n }
    deps.store.saveApp({ ...storedApp(e), spec })
    e.spec = spec
    await Promise.all([...e.runners.values()].filter((r) => r.instance >= n).map((r) => finishScaleDown(e, r)))
  }

  /** The app's range as `text` says, checked: it must keep the port of every worker that stays (the first `keep`). */
  function rangedSpec (e: AppEntry, text: string, keep: number): AppSpec {
    if (!e.spec.hasPort) throw new SUP_ERR_INVALID_SPEC('portRange', 'an app without a port (--no-port) takes no port range')
    const range = parsePortRange(text)
    const outside = [...e.runners.values()].filter((r) => r.instance < keep && r.port !== null && (r.port < range.from || r.port > range.to))
    if (outside.length > 0) {
      const which = outside.map((r) => `${r.port ?? ''} (worker ${r.instance})`).join(', ')
      throw new SUP_ERR_INVALID_SPEC('portRange', `${formatPortRange(range)} leaves out ${which}: a new range keeps every worker's port (\`sup delete\` and \`sup start\` move an app to other ports)`)
    }
    return { ...e.spec, portRange: range }
  }

  async function scaleApp (name: string, instancesInput: number | string, portRange?: string): Promise<AppView> {
    validateName(name, 'app')
    const n = parseCount(instancesInput)
    if (n === undefined || n < 1 || n > MAX_INSTANCES) throw new SUP_ERR_INVALID_SPEC('instances', `'${String(instancesInput)}' must be a whole number from 1 to ${MAX_INSTANCES} (use \`sup stop\` to stop an app)`)
    return queue.run(name, async () => {
      const e = registry.require(name)
      const old = e.spec.instances
      const before = e.spec
      const ranged = portRange === undefined ? null : rangedSpec(e, portRange, n)
      if (ranged !== null) registry.setSpec(e, ranged)
      try {
        if (n > old) await scaleUp(e, n)
        else if (n < old) await scaleDown(e, n)
      } catch (err) {
        if (ranged !== null) registry.setSpec(e, { ...before, instances: e.spec.instances }) // a failed scale keeps the old range
        throw err
      }
      if (ranged !== null && formatPortRange(before.portRange) !== formatPortRange(ranged.portRange)) {
        events.appEvent(name, 'port-range', `port range ${formatPortRange(before.portRange)} -> ${formatPortRange(ranged.portRange)}`, { from: formatPortRange(before.portRange), to: formatPortRange(ranged.portRange) })
      }
      if (n !== old || ranged === null) events.appEvent(name, 'scale', `scaled from ${old} to ${n}`, { from: old, to: n })
      return ctx.view(e)
    })
  }

  async function deleteApp (name: string): Promise<string> {
    return queue.run(name, async () => {
      const e = registry.require(name)
      registry.setDesired(e, 'stopped')
      await Promise.all([...e.runners.values()].map((r) => r.stop('app deleted')))
      deps.store.deleteApp(name)
      for (const r of e.runners.values()) {
        deps.removeOutput(name, r.instance)
        if (r.port !== null) deps.broker.release(r.port, `${name}:${r.instance}`)
      }
      registry.remove(e)
      watch.stop(name)
      await upstream.removeUpstream(name)
      events.appEvent(name, 'delete', 'app deleted')
      return name
    })
  }

  return {
    createApp,
    stopApp: (name) => queue.run(name, async () => {
      const e = registry.require(name)
      registry.setDesired(e, 'stopped')
      await Promise.all([...e.runners.values()].map((r) => r.stop('stopped by request')))
      return ctx.view(e)
    }),
    startApp: (name) => queue.run(name, async () => {
      const e = registry.require(name)
      registry.setDesired(e, 'running')
      for (const r of e.runners.values()) r.start('started by request')
      await upstream.settle(e.runners.values(), e.spec)
      return ctx.view(e)
    }),
    restartApp: (name) => queue.run(name, async () => {
      const e = registry.require(name)
      registry.setDesired(e, 'running')
      await Promise.all([...e.runners.values()].map(async (r) => {
        // every restart counts (restarts and the flapping window); an operator's restart is never refused
        r.countRestart()
        await r.stop('restart requested')
        r.start('restarted by request')
      }))
      await upstream.settle(e.runners.values(), e.spec)
      return ctx.view(e)
    }),
    scaleApp,
    deleteApp,
    finishScaleDown
  }
}
