// nginx text for an app: the live `upstream` block (what sup writes) and a server block to include (what `sup nginx` prints).

/** nginx upstream names: the app name with anything but letters, digits and _ turned into _. */
export function upstreamName (app: string): string {
  return `sup_${app.replace(/[^A-Za-z0-9_]/g, '_')}`
}

/** A port nothing listens on, for the `down` placeholder (nginx refuses an upstream with no server). */
export const PLACEHOLDER_PORT = 9

/** The upstream block listing exactly `ports` (sorted, deduplicated); a `down` placeholder when empty. */
export function renderUpstream (app: string, ports: readonly number[]): string {
  const unique = [...new Set(ports)].sort((a, b) => a - b)
  const servers = unique.length === 0
    ? [`    server 127.0.0.1:${PLACEHOLDER_PORT} down; # no worker of '${app}' is online`]
    : unique.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`)
  return [`# written by sup for app '${app}': the online, healthy workers. Do not edit.`, `upstream ${upstreamName(app)} {`, ...servers, '    keepalive 32;', '}', ''].join('\n')
}

/** A server block that proxies to the app's upstream, retrying a request a dying worker could not answer. */
export function renderServerBlock (app: string, opts: { listen: number | string; serverName?: string; upstreamPath: string }): string {
  return [
    `# In nginx's http { } block: include ${opts.upstreamPath.replace(/[^/]+$/, '*.conf')};`,
    'server {',
    `    listen ${String(opts.listen)};`,
    ...(opts.serverName === undefined ? [] : [`    server_name ${opts.serverName};`]),
    '    location / {',
    `        proxy_pass http://${upstreamName(app)};`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Connection "";',
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_next_upstream error timeout http_502;',
    '    }',
    '}',
    ''
  ].join('\n')
}
