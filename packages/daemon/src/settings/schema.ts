// The daemon's settings: each key of config.json, the environment variable that overrides it, and how its value is checked.
import { DEFAULT_LOG_LEVEL, DEFAULT_LOGS, DEFAULT_PORT_POOL } from '../core/defaults.ts'
import { parseCommand } from '../adapters/nginx-upstream.ts'
import { parsePortRange } from '../core/port-allocator.ts'
import { parseBytes, parseCount, parseDurationMs } from '../core/units.ts'
import { parseListenAddress } from '../http/listen-address.ts'

/** One setting: `live` ones are applied by a running daemon at once, the others at its next start. */
export interface SettingDef {
  readonly key: string
  readonly env: string
  readonly live: boolean
  readonly help: string
  /** The value in effect when neither the environment nor config.json sets one, as `set` would take it; null: none (off). */
  readonly fallback: string | null
  /** The value as stored (normalized text); throws an Error saying what is wrong. */
  readonly check: (text: string) => string
}

const BOOLEANS: Readonly<Record<string, string>> = { true: 'true', 1: 'true', yes: 'true', on: 'true', false: 'false', 0: 'false', no: 'false', off: 'false' }

function checkBoolean (text: string): string {
  const v = BOOLEANS[text.trim().toLowerCase()]
  if (v === undefined) throw new Error(`'${text}' is not true or false`)
  return v
}

function checkCommand (text: string): string {
  const t = text.trim()
  if (t === 'off') return t
  if (t.includes('\0')) throw new Error('a NUL byte in a command')
  if (parseCommand(t).length === 0) throw new Error('an empty command (use "off" for none)')
  return t
}

function positive (parse: (v: string) => number | undefined, what: string): (text: string) => string {
  return (text) => {
    const v = parse(text.trim())
    if (v === undefined || v <= 0) throw new Error(`'${text}' is not a positive ${what}`)
    return text.trim()
  }
}

function checkLogSize (text: string): string {
  const v = parseBytes(text.trim())
  if (v === undefined || v < DEFAULT_LOGS.minSize) throw new Error(`'${text}' is not a size of at least ${DEFAULT_LOGS.minSize} bytes (e.g. 10M)`)
  return text.trim()
}

function checkLogFiles (text: string): string {
  const v = parseCount(text.trim())
  if (v === undefined || v < 1 || v > DEFAULT_LOGS.maxFiles) throw new Error(`'${text}' is not a whole number from 1 to ${DEFAULT_LOGS.maxFiles}`)
  return text.trim()
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Every setting, in the order `sup config list` shows them. */
export const SETTINGS: readonly SettingDef[] = [
  { key: 'nginx.reload', env: 'SUP_NGINX_RELOAD', live: true, fallback: null, help: 'command run after an upstream file changed, e.g. "nginx -s reload" ("off": nginx is not told)', check: checkCommand },
  { key: 'nginx.test', env: 'SUP_NGINX_TEST', live: true, fallback: null, help: 'command run before each reload (default: `nginx -t` of the reload command; "off": none)', check: checkCommand },
  { key: 'listen', env: 'SUP_LISTEN', live: false, fallback: null, help: 'TCP address of the API (HOST:PORT, bearer token required); unset: unix socket only', check: (t) => { parseListenAddress(t, true); return t.trim() } },
  { key: 'listenRemote', env: 'SUP_LISTEN_REMOTE', live: false, fallback: 'false', help: 'allow a non-loopback listen address (true/false)', check: checkBoolean },
  { key: 'portPool', env: 'SUP_PORT_POOL', live: true, fallback: DEFAULT_PORT_POOL, help: 'ports of apps started without --port-range (e.g. 8000-8999)', check: (t) => { parsePortRange(t); return t.trim() } },
  { key: 'deploy.maxBody', env: 'SUP_DEPLOY_MAX_BODY', live: false, fallback: '200M', help: 'largest upload (e.g. 200M)', check: positive(parseBytes, 'size') },
  { key: 'deploy.maxUnpacked', env: 'SUP_DEPLOY_MAX_UNPACKED', live: false, fallback: '1G', help: 'largest unpacked archive (e.g. 1G)', check: positive(parseBytes, 'size') },
  { key: 'deploy.maxEntries', env: 'SUP_DEPLOY_MAX_ENTRIES', live: false, fallback: '100000', help: 'most entries in an archive (e.g. 100000)', check: positive(parseCount, 'count') },
  { key: 'deploy.maxDepth', env: 'SUP_DEPLOY_MAX_DEPTH', live: false, fallback: '64', help: 'deepest path in an archive (e.g. 64)', check: positive(parseCount, 'count') },
  { key: 'deploy.installTimeout', env: 'SUP_DEPLOY_INSTALL_TIMEOUT', live: false, fallback: '5m', help: 'how long npm ci/install may run (e.g. 5m)', check: positive(parseDurationMs, 'duration') },
  { key: 'deploy.uploadIdleTimeout', env: 'SUP_DEPLOY_UPLOAD_IDLE_TIMEOUT', live: false, fallback: '30s', help: 'an upload that sends nothing for this long is cut (e.g. 30s)', check: positive(parseDurationMs, 'duration') },
  { key: 'npm.installScripts', env: 'SUP_NPM_INSTALL_SCRIPTS', live: true, fallback: 'false', help: 'run npm lifecycle scripts (postinstall...) of every deployed app (true/false; default false)', check: checkBoolean },
  { key: 'logs.maxSize', env: 'SUP_LOG_MAX_SIZE', live: true, fallback: '10M', help: `default log size per worker file before rotation, for apps started without --log-max-size (e.g. 10M; at least ${DEFAULT_LOGS.minSize} bytes)`, check: checkLogSize },
  { key: 'logs.files', env: 'SUP_LOG_FILES', live: true, fallback: String(DEFAULT_LOGS.files), help: `default log files kept per worker, for apps started without --log-files (1-${DEFAULT_LOGS.maxFiles})`, check: checkLogFiles },
  { key: 'logLevel', env: 'SUP_LOG_LEVEL', live: false, fallback: DEFAULT_LOG_LEVEL, help: `level of daemon.log (${LEVELS.join(', ')})`, check: (t) => { if (!LEVELS.includes(t.trim())) throw new Error(`'${t}' is not one of ${LEVELS.join(', ')}`); return t.trim() } }
]

/** The definition of `key`, or undefined. */
export function settingDef (key: string): SettingDef | undefined {
  return SETTINGS.find((d) => d.key === key)
}

/** "valid keys: a, b, c" for error messages. */
export function validKeys (): string {
  return `valid keys: ${SETTINGS.map((d) => d.key).join(', ')}`
}
