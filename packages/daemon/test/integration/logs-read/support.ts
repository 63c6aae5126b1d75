// Writes log files in the docs/logs.md format, as sup-logd would, for the reader and follower tests.
import { appendFileSync, readdirSync } from 'node:fs'
import { formatRecord } from '../../../src/logs/record-framer.ts'

export const T0 = Date.parse('2026-11-23T19:57:00.000Z')

/** One record, `<time> <stream>[>] <bytes>\n`, by the writer's own formatter (`out>` for a continued line). */
export function record (time: number, stream: string, bytes: string | Buffer): Buffer {
  return formatRecord(time, stream.replace(/>$/, ''), Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes), stream.endsWith('>'))
}

/** Appends `count` numbered `out` lines (`<prefix><i>`), one ms apart from `time`. */
export function appendNumbered (path: string, from: number, count: number, opts: { prefix?: string; time?: number; pad?: number } = {}): void {
  const parts: Buffer[] = []
  for (let i = from; i < from + count; i++) parts.push(record((opts.time ?? T0) + i, 'out', `${opts.prefix ?? 'line '}${i}${'.'.repeat(opts.pad ?? 0)}`))
  appendFileSync(path, Buffer.concat(parts))
}

/** Open file descriptors of this process (to check that nothing leaks). */
export function openFds (): number {
  return readdirSync('/proc/self/fd').length
}
