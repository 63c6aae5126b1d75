// A real fastify server with the real deploy routes, extractor and release store on a temp SUP_HOME; the supervisor is a stub.
import { existsSync, readdirSync } from 'node:fs'
import { request } from 'node:http'
import type { Readable } from 'node:stream'
import { onTestFinished } from 'vitest'
import type { AppView, WorkerView } from '@sup/protocol'
import { buildServer } from '../../../src/http/server.ts'
import type { Supervisor } from '../../../src/runtime/supervisor.ts'
import { openSqliteStore } from '../../../src/adapters/sqlite-store.ts'
import { openReleaseStore } from '../../../src/deploy/release-store.ts'
import { createDeployService, type DeploySupervisor } from '../../../src/deploy/deploy-service.ts'
import { DEFAULT_DEPLOY_LIMITS, type DeployLimits } from '../../../src/deploy/limits.ts'
import { createTokenCheck } from '../../../src/http/auth.ts'
import { tempDir } from '../adapter-support.ts'

export interface Harness {
  readonly home: string
  readonly port: number
  /** Every call the stub supervisor got. */
  readonly calls: string[]
  /** Everything under $SUP_HOME/apps (relative paths). */
  appsTree (): string[]
  releaseRows (app: string): number
}

const worker = (instance: number): WorkerView => ({ app: 'x', instance, state: 'online', pid: 1000 + instance, port: 8000 + instance, restarts: 0, startedAt: 1, lastExit: null })
const view = (name: string): AppView => ({ name, desired: 'running', workers: [worker(0)], nginxError: null } as unknown as AppView)

/** `stub`: replaces methods of the stub supervisor (e.g. an existing app, a failing scale). */
export async function startHarness (limits: Partial<DeployLimits> = {}, token?: string, home: string = tempDir(), stub: Partial<DeploySupervisor> = {}): Promise<Harness> {
  const state = openSqliteStore(`${home}/sup.db`)
  const releases = openReleaseStore(home, `${home}/sup.db`)
  const calls: string[] = []
  const sup: DeploySupervisor = {
    specOf: () => undefined,
    createApp: async (input) => { calls.push(`create ${input.name ?? ''}`); return view(input.name ?? '') },
    deployApp: async (name) => { calls.push(`deploy ${name}`); return view(name) },
    scaleApp: async (name) => { calls.push(`scale ${name}`); return view(name) },
    deleteApp: async (name) => { calls.push(`delete ${name}`); return name },
    getApp: (name) => view(name),
    ...stub
  }
  const service = createDeployService({
    releases, supervisor: sup, limits: { ...DEFAULT_DEPLOY_LIMITS, ...limits }, portPool: { from: 8000, to: 8999 }, ports: { checkRoom: async () => 1_000 }, env: {},
    wallNow: () => Date.now(), readTail: async () => '', onEvent: () => undefined
  })
  const server = buildServer({ checkAnswers: true,
    supervisor: {} as Supervisor, version: 'test', home, pid: process.pid, logger: false, logsDir: `${home}/logs`, nginxDir: `${home}/nginx`,
    servingPorts: () => [], eventsAfter: () => [], requestShutdown: () => undefined, deploy: service,
    ...(limits.uploadIdleTimeoutMs === undefined ? {} : { uploadIdleTimeoutMs: limits.uploadIdleTimeoutMs }),
    ...(token === undefined ? {} : { authorize: createTokenCheck(token) })
  })
  await server.listen({ host: '127.0.0.1', port: 0 })
  onTestFinished(async () => { await server.close(); releases.close(); state.close() })
  const address = server.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const walk = (dir: string, rel = ''): string[] => {
    if (!existsSync(dir)) return []
    return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
      const r = rel === '' ? d.name : `${rel}/${d.name}`
      return d.isDirectory() ? [r, ...walk(`${dir}/${d.name}`, r)] : [r]
    })
  }
  return {
    home, port, calls,
    appsTree: () => walk(`${home}/apps`),
    releaseRows: (app) => releases.list(app).length
  }
}

export interface Answer { status: number; body: { error?: { code: string; message: string; output?: string[] }; release?: { id: string; sha256: string; size: number } } & Record<string, unknown> }

/** POSTs a body (a buffer, or a stream piped as chunked); resolves with the answer even when the server stops reading. */
export async function post (port: number, path: string, body: Buffer | Readable, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/gzip', ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }) } catch { resolve({ status: res.statusCode ?? 0, body: { raw: text } }) }
      })
    })
    // The server may close the connection while the upload still runs: its answer counts, a write error does not
    req.on('error', (err) => { setTimeout(() => reject(err), 1_000) })
    if (Buffer.isBuffer(body)) req.end(body)
    else {
      body.on('error', () => undefined)
      body.pipe(req)
    }
  })
}
