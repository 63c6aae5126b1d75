// The nginx text sup writes and prints: exact upstream blocks, the `down` placeholder, names, the server block.
import { describe, expect, it } from 'vitest'
import { includeGlob, PLACEHOLDER_PORT, renderServerBlock, renderUpstream, upstreamHostFor, upstreamName } from '../../../src/core/upstream.ts'

describe('renderUpstream', () => {
  it('is the block DESIGN.md shows, one server line per port', () => {
    expect(renderUpstream('api', [8000, 8001])).toBe([
      'upstream sup_api {',
      '    server 127.0.0.1:8000 max_fails=1 fail_timeout=2s;',
      '    server 127.0.0.1:8001 max_fails=1 fail_timeout=2s;',
      '    keepalive 32;',
      '}',
      ''
    ].join('\n'))
  })

  it('sorts and deduplicates the ports, so the same set is the same file (no rewrite, no reload)', () => {
    expect(renderUpstream('api', [8002, 8000, 8002, 8001])).toBe(renderUpstream('api', [8000, 8001, 8002]))
    expect(renderUpstream('api', [8002, 8000]).indexOf('8000')).toBeLessThan(renderUpstream('api', [8002, 8000]).indexOf('8002'))
  })

  it('keeps a `down` placeholder when no worker serves (nginx refuses an empty upstream)', () => {
    const text = renderUpstream('api', [])
    expect(text).toContain(`    server 127.0.0.1:${PLACEHOLDER_PORT} down;`)
    expect(text).toMatch(/^upstream sup_api \{\n {4}server 127\.0\.0\.1:9 down;[^\n]*\n {4}keepalive 32;\n\}\n$/)
    expect(PLACEHOLDER_PORT).toBeGreaterThan(0) // nginx refuses port 0: "invalid port in upstream"
  })

  it.each([[0], [65536], [-1], [80.5], [Number.NaN]])('refuses %s as a port (SUP_ERR_INTERNAL)', (port) => {
    expect(() => renderUpstream('api', [8000, port])).toThrow(expect.objectContaining({ code: 'SUP_ERR_INTERNAL' }))
  })
})

describe('upstreamHostFor', () => {
  const on = (address: string, port = 8000) => ({ address, port })
  it('is [::1] for a port that listens on ::1 and on nothing 127.0.0.1 reaches', () => {
    expect(upstreamHostFor([on('::1'), on('0.0.0.0', 9000)], 8000)).toBe('[::1]')
  })

  it.each([
    ['0.0.0.0', [on('0.0.0.0')]],
    [':: (dual-stack)', [on('::')]],
    ['127.0.0.1', [on('127.0.0.1')]],
    ['::1 and 127.0.0.1', [on('::1'), on('127.0.0.1')]],
    ['nothing (yet)', []],
    ['another loopback address only', [on('127.0.0.2')]]
  ])('is 127.0.0.1 for a port on %s', (_what, listeners) => {
    expect(upstreamHostFor(listeners, 8000)).toBe('127.0.0.1')
  })

  it('renders each server at its address', () => {
    expect(renderUpstream('web', [8001, 8000], (p) => (p === 8001 ? '[::1]' : '127.0.0.1')))
      .toContain('    server 127.0.0.1:8000 max_fails=1 fail_timeout=2s;\n    server [::1]:8001 max_fails=1 fail_timeout=2s;\n')
  })
})

describe('upstreamName', () => {
  it.each([
    ['api', 'sup_api'],
    ['my.app-1', 'sup_my.app-1'], // nginx -t accepts . and - in upstream names
    ['a_b', 'sup_a_b'],
    ['a.b', 'sup_a.b'] // not sup_a_b: that would be a "duplicate upstream" beside the app a_b
  ])('%s → %s', (app, name) => {
    expect(upstreamName(app)).toBe(name)
  })

  it('turns anything that could end a directive into _ (never a valid app name)', () => {
    expect(upstreamName('x; } server {')).toBe('sup_x____server__')
  })
})

describe('renderServerBlock', () => {
  it('proxies to the upstream with keep-alive and retries a dying worker\'s request on another', () => {
    const text = renderServerBlock('api', { listen: 8080 })
    expect(text).toContain('    listen 8080;')
    expect(text).toContain('        proxy_pass http://sup_api;')
    for (const line of [
      'proxy_http_version 1.1;', 'proxy_set_header Connection "";', 'proxy_set_header Host $host;',
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;', 'proxy_next_upstream error timeout http_502;'
    ]) expect(text).toContain(`        ${line}`)
    expect(text).not.toContain('server_name')
    expect(text).toMatch(/^# [^\n]*\n# {5}include \$SUP_HOME\/nginx\/\*\.conf;\nserver \{\n/)
    expect(text.endsWith('}\n')).toBe(true)
  })

  it('names the include glob and the server_name when given', () => {
    const text = renderServerBlock('api', { listen: '127.0.0.1:80', serverName: 'api.example.com', includePath: includeGlob('/home/d/.sup/nginx') })
    expect(text).toContain('include /home/d/.sup/nginx/*.conf;')
    expect(text).toContain('    listen 127.0.0.1:80;\n    server_name api.example.com;\n')
  })

  it('balances its braces', () => {
    const text = renderServerBlock('api', { listen: '[::]:443 ssl', serverName: '*.example.com' })
    expect(text.split('{').length).toBe(text.split('}').length)
  })

  it.each([
    [{ listen: '80; } server { listen 81' }], [{ listen: '80\nx' }], [{ listen: 0 }], [{ listen: 70000 }],
    [{ listen: 80, serverName: 'a;b' }], [{ listen: '' }]
  ])('refuses %j (SUP_ERR_INVALID_INPUT): it is pasted into nginx\'s config', (opts) => {
    expect(() => renderServerBlock('api', opts)).toThrow(expect.objectContaining({ code: 'SUP_ERR_INVALID_INPUT' }))
  })
})
