// Server deps for declaring every route without running any (the schema generator and its test): each dependency is
// a function returning one for every property, so every optional route group is served.
import type { ServerDeps } from '../src/http/server.ts'

const stub = (): unknown => new Proxy(() => undefined, { get: () => stub() })

export function stubServerDeps (): ServerDeps {
  return new Proxy({ version: '0', home: '/', pid: 1, logger: false, logsDir: '/', nginxDir: '/' }, {
    get: (t, k) => (k in t ? (t as Record<string | symbol, unknown>)[k] : stub())
  }) as unknown as ServerDeps
}
