// NDJSON answers read as they arrive: one parsed value per line, never the whole body in memory.
import type { IncomingMessage } from 'node:http'
import { errorFromConnection, SupClientError, SUP_ERR_CLIENT_BAD_RESPONSE, SUP_ERR_CLIENT_CONNECTION, type Target } from './errors.ts'

function parseLine<T> (line: string): T {
  try {
    return JSON.parse(line) as T
  } catch {
    throw new SupClientError(SUP_ERR_CLIENT_BAD_RESPONSE, `The daemon streamed a line that is not JSON: ${line.slice(0, 200)}`)
  }
}

/** Yields each line of a streaming answer, parsed. Ends quietly when `signal` aborts; rejects when the daemon cuts the stream. */
export async function * readNdjson<T> (res: IncomingMessage, target: Target, signal?: AbortSignal): AsyncGenerator<T> {
  res.setEncoding('utf8')
  let rest = ''
  try {
    for await (const chunk of res as AsyncIterable<string>) {
      const text = rest + chunk
      let start = 0
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const line = text.slice(start, nl)
        start = nl + 1
        if (line.trim() !== '') yield parseLine<T>(line)
      }
      rest = text.slice(start)
    }
  } catch (err) {
    if (signal?.aborted === true) return
    throw err instanceof SupClientError ? err : errorFromConnection(err, target)
  }
  if (signal?.aborted === true) return
  if (!res.complete) throw new SupClientError(SUP_ERR_CLIENT_CONNECTION, 'The daemon cut the stream short', { hint: 'did the daemon stop or crash? see its daemon.log' })
  if (rest.trim() !== '') yield parseLine<T>(rest)
}
