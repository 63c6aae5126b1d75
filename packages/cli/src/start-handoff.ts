// A cold `sup start` hands its first app to the daemon bin/sup.js spawned (@sup/protocol/handoff): its workers spawn
// as soon as that daemon has restored its state, before its HTTP API is up (docs/performance.md).
import { errorFromBody, errorFromConnection, SupClientError, SUP_ERR_CLIENT_BAD_RESPONSE, type AppSpecInput, type AppView, type HealthView } from '@sup/client'
import type { HandedLine, HandedStart } from '@sup/protocol/handoff'
import { SUP_VERSION } from '@sup/protocol/version'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { takeHandoff } from './early-daemon.ts'

/**
 * The daemon's answer, the same as POST /apps' (`error`: the same SupClientError) with its GET /healthz answer; or
 * null: ask the API instead.
 */
export type Handed = { view: AppView; health: HealthView } | { error: unknown; health?: HealthView } | null

/** A request sent: its answer, read once asked for (until then the handoff keeps no CLI alive). */
export interface HandedRequest { answer (): Promise<Handed> }

/**
 * How long the daemon may say nothing (neither taken nor declined) before the CLI asks the API instead: a daemon that
 * knows no handoff (SUP_DAEMON_ENTRY naming an older one) never does. A daemon says it once its state is restored.
 */
export const HANDOFF_SILENCE_MS = 10_000

export interface HandStartOptions {
  /** The handoff of the daemon bin/sup.js spawned for a home (replaceable for tests). */
  readonly take?: (home: string) => Socket | undefined
  readonly silenceMs?: number
}

/**
 * Sends POST /apps through the handoff of the daemon spawned for `home`; null when there is none. The answer is null
 * when the daemon declined the request, said nothing for `silenceMs`, or exited before acting on it;
 * SUP_ERR_DAEMON_LOST when it went away after.
 */
export function handStart (home: string, spec: AppSpecInput, wait: boolean, options: HandStartOptions = {}): HandedRequest | null {
  const pipe = (options.take ?? takeHandoff)(home)
  if (pipe === undefined || pipe.destroyed) return null
  const answer = exchange(pipe, { version: SUP_VERSION, spec, wait }, join(home, 'sup.sock'), options.silenceMs ?? HANDOFF_SILENCE_MS)
  return { answer: () => { if (!pipe.destroyed) pipe.ref(); return answer } }
}

function exchange (pipe: Socket, request: HandedStart, socketPath: string, silenceMs: number): Promise<Handed> {
  return new Promise((resolve) => {
    let taken = false
    let done = false
    let buffered = ''
    const finish = (result: Handed): void => {
      if (done) return
      done = true
      clearTimeout(silence)
      pipe.removeAllListeners('data')
      pipe.destroy()
      resolve(result)
    }
    const silence = setTimeout(() => { finish(null) }, silenceMs)
    silence.unref()
    const onLine = (line: string): boolean => {
      let msg: HandedLine | null = null
      try { msg = JSON.parse(line) as HandedLine } catch { /* said below */ }
      if (typeof msg !== 'object' || msg === null || !('taken' in msg || 'declined' in msg || typeof msg.status === 'number')) {
        finish({ error: new SupClientError(SUP_ERR_CLIENT_BAD_RESPONSE, `The daemon answered the start handoff with something it never says: ${line.slice(0, 200)}`) })
        return true
      }
      if ('taken' in msg) { taken = true; clearTimeout(silence); return false }
      if ('declined' in msg) finish(null)
      else finish(msg.status < 400 ? { view: msg.body as AppView, health: msg.health } : { error: errorFromBody(msg.status, msg.body, line), health: msg.health })
      return true
    }
    pipe.setEncoding('utf8')
    pipe.on('data', (chunk: string) => {
      buffered += chunk
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        if (onLine(line)) return
      }
    })
    // gone before it took the request: nothing was done, the API is asked; after: it may be half done
    pipe.once('close', () => { finish(taken ? { error: errorFromConnection(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), { socketPath }) } : null) })
    pipe.write(`${JSON.stringify(request)}\n`)
  })
}
