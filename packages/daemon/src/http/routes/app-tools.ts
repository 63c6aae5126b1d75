// PM2's everyday extras: send a signal to workers, list a worker's variable names, flush an app's logs.
import type { FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppParams, EnvQuery, EnvView, ErrorBody, FlushResult, SignalBody, SignalResult } from '@sup/protocol'
import { constants } from 'node:os'
import { SUP_ERR_INSTANCE_NOT_FOUND, SUP_ERR_INVALID_INPUT } from '../../errors.ts'
import { flushLogFiles } from '../../logs/log-files.ts'
import type { Supervisor } from '../../runtime/supervisor.ts'

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 500: ErrorBody }

function signalName (raw: string): NodeJS.Signals {
  const name = raw.startsWith('SIG') ? raw : `SIG${raw}`
  if (!(name in constants.signals)) throw new SUP_ERR_INVALID_INPUT(`'${raw}' is not a signal (e.g. SIGUSR2, SIGHUP)`)
  return name as NodeJS.Signals
}

export function registerAppToolRoutes (fastify: FastifyInstance, sup: Supervisor, logsDir: string): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  // The worker's own process (as PM2's sendSignal), not its whole tree
  app.post('/apps/:app/signal', { schema: { params: AppParams, body: SignalBody, response: { 200: SignalResult, ...errors } } }, async (req) => {
    const signal = signalName(req.body.signal)
    const view = sup.getApp(req.params.app)
    const { instance } = req.body
    if (instance !== undefined && !view.workers.some((w) => w.instance === instance)) throw new SUP_ERR_INSTANCE_NOT_FOUND(view.name, String(instance))
    const signalled: { instance: number; pid: number }[] = []
    for (const w of view.workers) {
      if (w.pid === null || (instance !== undefined && w.instance !== instance)) continue
      try { process.kill(w.pid, signal); signalled.push({ instance: w.instance, pid: w.pid }) } catch { /* exited meanwhile */ }
    }
    return { signalled }
  })

  app.get('/apps/:app/env', { schema: { params: AppParams, querystring: EnvQuery, response: { 200: EnvView, ...errors } } }, async (req) => {
    const env = sup.workerEnv(req.params.app, req.query.instance ?? 0)
    const names = Object.keys(env).sort()
    return req.query.values === true ? { names, values: env } : { names }
  })

  app.post('/apps/:app/flush', { schema: { params: AppParams, response: { 200: FlushResult, ...errors } } }, async (req) => {
    sup.getApp(req.params.app)
    return { files: flushLogFiles(logsDir, req.params.app) }
  })
}
