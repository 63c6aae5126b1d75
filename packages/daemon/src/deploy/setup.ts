// Wires deploys for the composition root: limits and listen address from env, release store, service, reconcile.
import type { PortRange } from '../core/port-allocator.ts'
import { parseListenAddress, type ListenAddress } from '../http/listen-address.ts'
import { convergeReleases, type ConvergeSupervisor } from './converge.ts'
import { createDeployService, type DeployPorts, type DeployService, type DeploySupervisor } from './deploy-service.ts'
import { loadDeployLimits } from './limits.ts'
import { openReleaseStore } from './release-store.ts'

export interface DeploySetupDeps {
  readonly home: string
  readonly dbPath: string
  readonly portPool: PortRange
  readonly logDefaults?: { readonly maxSize: number; readonly files: number } | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  readonly baseEnv: Readonly<Record<string, string>>
  readonly supervisor: DeploySupervisor & ConvergeSupervisor
  /** The port broker: a deploy checks the range has room for its instances before anything starts. */
  readonly ports: DeployPorts
  readonly readTail: (app: string, instance: number, lines: number) => Promise<string>
  readonly onEvent: (app: string, type: string, message: string) => void
  /** `npm.installScripts` (docs/config.md): run every app's npm lifecycle scripts; read at each deploy. */
  readonly installScripts?: () => boolean
}

export interface DeploySetup {
  readonly service: DeployService
  /** SUP_LISTEN ('127.0.0.1:9002', set by `sup daemon --listen`), or null: no TCP API. */
  readonly listen: ListenAddress | null
  /** Removes what a crash left (staging dirs, release dirs without a row); returns what was removed. */
  reconcile (): string[]
  /** Brings each deployed app back onto one release after a roll-out cut by a crash (see converge.ts). */
  converge (): Promise<string[]>
  close (): void
}

/** Throws (before the daemon listens) on a bad SUP_DEPLOY_* limit or a non-loopback SUP_LISTEN without SUP_LISTEN_REMOTE=1. */
export function setUpDeploys (d: DeploySetupDeps): DeploySetup {
  const limits = loadDeployLimits(d.env)
  const listenText = d.env.SUP_LISTEN?.trim() ?? ''
  const listen = listenText === '' ? null : parseListenAddress(listenText, d.env.SUP_LISTEN_REMOTE === '1')
  const releases = openReleaseStore(d.home, d.dbPath)
  const service = createDeployService({
    releases,
    supervisor: d.supervisor,
    limits,
    get portPool () { return d.portPool },
    get logDefaults () { return d.logDefaults },
    ports: d.ports,
    env: d.baseEnv,
    wallNow: () => Date.now(),
    readTail: d.readTail,
    onEvent: d.onEvent,
    ...(d.installScripts === undefined ? {} : { installScripts: d.installScripts })
  })
  return {
    service,
    listen,
    reconcile: () => releases.reconcile().removed,
    converge: () => convergeReleases({ appsRoot: `${d.home}/apps`, releases, supervisor: d.supervisor, claim: service.claim, onEvent: d.onEvent }),
    close: () => releases.close()
  }
}
