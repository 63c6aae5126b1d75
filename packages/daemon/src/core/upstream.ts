// nginx text for an app: the live `upstream` block (what sup writes) and a server block to include (what `sup nginx` prints).
import { SUP_ERR_INTERNAL, SUP_ERR_INVALID_INPUT } from '../errors.ts'
import type { Listener } from './not-ready.ts'

/**
 * The upstream's name. nginx accepts `.` and `-` in upstream names (checked with `nginx -t`, 1.22), so a valid app
 * name (NAME_RE) is used as is: mapping it to `_` would make `a.b` and `a_b` one "duplicate upstream".
 * Anything else (never a valid app name) becomes `_`, so no text can break out of the config.
 */
export function upstreamName (app: string): string {
  return `sup_${app.replace(/[^A-Za-z0-9._-]/g, '_')}`
}

/** The port of the `down` placeholder: nginx refuses an upstream without a server ("no servers are inside upstream") and port 0. */
export const PLACEHOLDER_PORT = 9

/** What nginx's `include` directive must name: every upstream file sup writes in `dir`. */
export function includeGlob (dir: string): string {
  return `${dir}/*.conf`
}

function isPort (p: number): boolean {
  return Number.isInteger(p) && p >= 1 && p <= 65535
}

/** The address nginx connects to for a worker's port (`127.0.0.1`, or `[::1]`). */
export type HostOf = (port: number) => string

/** The address for every port when nothing says otherwise: most apps listen on 0.0.0.0 or ::, which it reaches. */
export const LOOPBACK_V4: HostOf = () => '127.0.0.1'

/** Addresses on which a listener accepts connections to 127.0.0.1 (`::` is dual-stack, as node binds it). */
const REACHED_ON_V4 = new Set(['0.0.0.0', '::', '127.0.0.1'])

/**
 * nginx's address for `port`, from what listens on the host: `[::1]` when the port listens on ::1 and on nothing 127.0.0.1
 * reaches (an app bound to `localhost` that resolved to ::1, as node >= 17 does where ::1 comes first), else 127.0.0.1.
 */
export function upstreamHostFor (listeners: readonly Listener[], port: number): string {
  const on = listeners.filter((l) => l.port === port).map((l) => l.address)
  return on.includes('::1') && !on.some((a) => REACHED_ON_V4.has(a)) ? '[::1]' : '127.0.0.1'
}

/** The upstream block listing exactly `ports` (sorted, deduplicated) at `hostOf` each; a `down` placeholder when none serves. */
export function renderUpstream (app: string, ports: readonly number[], hostOf: HostOf = LOOPBACK_V4): string {
  const bad = ports.find((p) => !isPort(p))
  if (bad !== undefined) throw new SUP_ERR_INTERNAL(`upstream of '${app}': ${String(bad)} is not a port`)
  const unique = [...new Set(ports)].sort((a, b) => a - b)
  const servers = unique.length === 0
    ? [`    server 127.0.0.1:${PLACEHOLDER_PORT} down; # no worker serves: nginx needs one server`]
    : unique.map((p) => `    server ${hostOf(p)}:${p} max_fails=1 fail_timeout=2s;`)
  return [`upstream ${upstreamName(app)} {`, ...servers, '    keepalive 32;', '}', ''].join('\n')
}

export interface ServerBlockOptions {
  /** `80`, `127.0.0.1:8080`, `[::]:80`, `443 ssl`... */
  readonly listen: number | string
  readonly serverName?: string
  /** Shown in the include hint; default `$SUP_HOME/nginx/*.conf`. */
  readonly includePath?: string
}

const LISTEN_RE = /^[0-9A-Za-z.:[\]_ -]{1,64}$/
const SERVER_NAME_RE = /^[0-9A-Za-z.*_ -]{1,253}$/

/** Refuses text that could end a directive (`;`, `{`, newline): it is pasted into nginx's config. */
function checkDirective (what: string, value: string, re: RegExp): string {
  if (!re.test(value)) throw new SUP_ERR_INVALID_INPUT(`${what} '${value.slice(0, 80)}' must match ${re.source}`)
  return value
}

/** A server block proxying to the app's upstream: keep-alive to the workers, a dying worker's request retried on another. */
export function renderServerBlock (app: string, opts: ServerBlockOptions): string {
  if (typeof opts.listen === 'number' && !isPort(opts.listen)) throw new SUP_ERR_INVALID_INPUT(`listen ${opts.listen} is not a port`)
  const listen = checkDirective('listen', String(opts.listen), LISTEN_RE)
  const serverName = opts.serverName === undefined ? [] : [`    server_name ${checkDirective('server_name', opts.serverName, SERVER_NAME_RE)};`]
  return [
    `# sup keeps the upstream ${upstreamName(app)} live. In nginx's http { } block, once for every app:`,
    `#     include ${opts.includePath ?? '$SUP_HOME/nginx/*.conf'};`,
    'server {',
    `    listen ${listen};`,
    ...serverName,
    '    location / {',
    `        proxy_pass http://${upstreamName(app)};`,
    '        # keep-alive to the workers (the upstream has keepalive 32)',
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        # a worker that refuses or drops the connection (restarting, replaced) is skipped: the request goes to another',
    '        proxy_next_upstream error timeout http_502;',
    '    }',
    '}',
    ''
  ].join('\n')
}
