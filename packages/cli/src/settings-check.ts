// The CLI's own environment against the settings the running daemon uses: a sup variable here that the daemon does not
// follow (or one the daemon follows that is not here) is said once, with the `sup config` command that makes it stick.
import type { AppView, HealthView } from '@sup/client'

/** Variables that are daemon settings (docs/config.md); kept in step with the daemon's settings/schema.ts. */
const SETTING_KEYS: Readonly<Record<string, string>> = {
  SUP_NGINX_RELOAD: 'nginx.reload',
  SUP_NGINX_TEST: 'nginx.test',
  SUP_LISTEN: 'listen',
  SUP_LISTEN_REMOTE: 'listenRemote',
  SUP_PORT_POOL: 'portPool',
  SUP_DEPLOY_MAX_BODY: 'deploy.maxBody',
  SUP_DEPLOY_MAX_UNPACKED: 'deploy.maxUnpacked',
  SUP_DEPLOY_MAX_ENTRIES: 'deploy.maxEntries',
  SUP_DEPLOY_MAX_DEPTH: 'deploy.maxDepth',
  SUP_DEPLOY_INSTALL_TIMEOUT: 'deploy.installTimeout',
  SUP_DEPLOY_UPLOAD_IDLE_TIMEOUT: 'deploy.uploadIdleTimeout',
  SUP_NPM_INSTALL_SCRIPTS: 'npm.installScripts',
  SUP_LOG_LEVEL: 'logLevel'
}

const quote = (v: string): string => /^[\w./:@-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`
const sameValue = (a: string, b: string): boolean => a.trim() === b.trim() || (['1', 'true', 'yes', 'on'].includes(a.trim().toLowerCase()) && b === 'true') || (['0', 'false', 'no', 'off'].includes(a.trim().toLowerCase()) && b === 'false')

/** The warnings for an environment and a daemon's health answer (none when the daemon does not report its settings). */
export function settingWarnings (env: NodeJS.ProcessEnv, health: HealthView): string[] {
  const out: string[] = []
  if (health.settings === undefined) return out
  for (const [name, key] of Object.entries(SETTING_KEYS)) {
    const daemon = health.settings[name]
    if (daemon === undefined) continue
    const mine = env[name]
    const isSetHere = mine !== undefined && mine.trim() !== ''
    if (isSetHere && (daemon.value === null || !sameValue(mine, daemon.value))) {
      const runs = daemon.value === null ? 'runs without it' : `runs with ${quote(daemon.value)} (${daemon.source === 'env' ? 'from its environment' : 'from config.json'})`
      out.push(`sup: ${name} is set here but the daemon ${runs}; use \`sup config set ${key} ${quote(mine)}\` to make it stick`)
    } else if (daemon.source === 'env' && (!isSetHere || (daemon.configValue != null && daemon.configValue !== daemon.value))) {
      const file = daemon.configValue == null ? 'config.json has none' : `config.json says ${quote(daemon.configValue)}`
      out.push(`sup: the daemon runs with ${name}=${quote(daemon.value ?? '')} from the environment that started it (${file}); \`sup config set ${key} …\` keeps a setting across daemons`)
    }
  }
  return out
}

/** `sup list`/`sup show`: apps with an upstream file while no reload command is configured ("off" silences it). */
export function nginxNotice (apps: readonly AppView[], health: HealthView | undefined): string | null {
  const reload = health?.settings?.SUP_NGINX_RELOAD
  if (reload === undefined || reload.value !== null) return null
  const named = apps.filter((a) => a.workers.some((w) => w.port !== null)).map((a) => a.name)
  if (named.length === 0) return null
  return `note: nginx is not told about changes (no nginx.reload configured) for ${named.join(', ')}: ` +
    "`sup config set nginx.reload 'nginx -s reload'`, or `sup config set nginx.reload off` if you do not use nginx"
}
