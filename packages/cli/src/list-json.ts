// `sup list --json`, what scripts run most, on its shortest path (bin/sup.js loads bundle/list-json.cjs and nothing
// else of the CLI): GET /healthz and GET /apps pipelined on one connection over node:net, printed as the
// whole program prints them, its warnings and notice included. Anything else (no daemon answering, a daemon of
// another protocol, an error answer, an answer this parser does not take) goes to the whole `sup list` path, which
// starts a daemon, says what is wrong, or answers as it always did (docs/performance.md).
import { connect } from 'node:net'
import { join } from 'node:path'
import { MAX_SOCKET_PATH_BYTES } from '@sup/protocol/socket'
import { PROTOCOL_VERSION } from '@sup/protocol/version'
import type { AppList, HealthView } from '@sup/client'
import { homeOf } from './home.ts'
import { shouldColor } from './render/color-choice.ts'
import { nginxNotice, settingWarnings } from './settings-check.ts'
import { exitQuietlyOnEpipe } from './stdout-epipe.ts'

/** A daemon that has not answered both by then is left to the whole path (it waits, or says why). */
const ANSWER_TIMEOUT_MS = 5_000

const REQUESTS = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n' +
  'GET /apps HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nConnection: close\r\n\r\n'

export interface Answer { readonly status: number; readonly body: string }

/**
 * The first `n` HTTP/1.1 answers in `bytes`, each with a Content-Length; null for anything else (a chunked or
 * truncated answer, too few answers): the caller then takes the whole path.
 */
export function splitAnswers (bytes: Buffer, n: number): Answer[] | null {
  const out: Answer[] = []
  let at = 0
  while (out.length < n) {
    const end = bytes.indexOf('\r\n\r\n', at)
    if (end === -1) return null
    const head = bytes.toString('latin1', at, end)
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)
    const length = /\r\ncontent-length: *(\d+)\r?$/im.exec(head)
    if (status === null || length === null || /\r\ntransfer-encoding:/i.test(head)) return null
    const from = end + 4
    const to = from + Number(length[1])
    if (to > bytes.length) return null
    out.push({ status: Number(status[1]), body: bytes.toString('utf8', from, to) })
    at = to
  }
  return out
}

/** `[health, list]` when both answers are 200 JSON of this protocol; null otherwise. */
export function readListAnswers (answers: readonly Answer[] | null): [HealthView, AppList] | null {
  const [health, list] = answers ?? []
  if (health?.status !== 200 || list?.status !== 200) return null
  try {
    const h = JSON.parse(health.body) as HealthView
    const apps = JSON.parse(list.body) as AppList
    return h.protocol === PROTOCOL_VERSION && Array.isArray(apps.apps) ? [h, apps] : null
  } catch {
    return null
  }
}

/** Prints `sup list --json` from the daemon's answers, or calls `whole` (the whole `sup list`) when it cannot. */
export function listJson (env: NodeJS.ProcessEnv, whole: () => void): void {
  const path = join(homeOf(env), 'sup.sock')
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) return whole() // which says what is wrong
  const chunks: Buffer[] = []
  let settled = false
  const socket = connect(path)
  const giveUp = (): void => {
    if (settled) return
    settled = true
    socket.destroy()
    whole()
  }
  socket.setTimeout(ANSWER_TIMEOUT_MS, giveUp)
  socket.on('error', giveUp)
  socket.on('connect', () => socket.write(REQUESTS))
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.on('end', () => {
    const read = readListAnswers(splitAnswers(Buffer.concat(chunks), 2))
    if (read === null) return giveUp()
    settled = true
    socket.destroy()
    const [health, answer] = read
    exitQuietlyOnEpipe()
    const warnings = settingWarnings(env, health)
    if (warnings.length > 0) process.stderr.write(`${warnings.join('\n')}\n`)
    process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`)
    const notice = nginxNotice(answer.apps, health)
    if (notice !== null) process.stderr.write(`${dimmed(env, notice)}\n`)
  })
}

/** The notice dimmed as the whole path dims it: picocolors' dim (SGR 2 … 22), on when colour is (not loaded here). */
function dimmed (env: NodeJS.ProcessEnv, text: string): string {
  return shouldColor(env, process.stdout.isTTY === true) ? `\u001b[2m${text}\u001b[22m` : text
}
