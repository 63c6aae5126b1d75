// The daemon's configuration from its environment (settings already laid over config.json, see settings/boot.ts), validated once: where it lives and which ports it hands out.
import { createHash } from 'node:crypto'
import type { PortRange } from './core/port-allocator.ts'
import { homeLayout, type HomeLayout } from './home-layout.ts'
import { liveSettingsFrom } from './settings/boot.ts'

export { HomeError } from './home-layout.ts'

export interface DaemonConfig extends HomeLayout {
  readonly portPool: PortRange
  /** Prefix of every worker marker: ties processes to this SUP_HOME, so two daemons never touch each other's. */
  readonly markerPrefix: string
  /** SUP_NGINX_RELOAD, e.g. "nginx -s reload"; null (unset or "off"): files are written, nginx is not told. */
  readonly nginxReload: string[] | null
  /** SUP_NGINX_TEST, run before each reload; default `nginx -t` when a reload is configured; "off" disables. */
  readonly nginxTest: string[] | null
}

export function loadDaemonConfig (env: Readonly<Record<string, string | undefined>>): DaemonConfig {
  const layout = homeLayout(env)
  const live = liveSettingsFrom(env)
  const id = createHash('sha256').update(layout.home).digest('hex').slice(0, 16)
  return {
    ...layout,
    portPool: live.portPool,
    markerPrefix: `sup-${id}`,
    nginxReload: live.nginxReload,
    nginxTest: live.nginxTest
  }
}
