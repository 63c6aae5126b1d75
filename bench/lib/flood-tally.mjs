// Counting a flood's numbered lines (`line <worker> <n>`, bench/fixtures/flood.js) in log files, and
// cheap looks at a growing file's end (so the bench does not compete for the CPU while it polls).
import { existsSync } from 'node:fs'
import { open } from 'node:fs/promises'

const CHUNK = 1 << 20
const FLOOD_LINE = /^line (\d+) (\d+)$/

/**
 * createFloodTally({ workers, lines }): which numbers of which worker are on disk.
 * add(payload) counts one line of app output; the rest are counters read by the figure.
 */
export function createFloodTally ({ workers, lines }) {
  const seen = Array.from({ length: workers }, () => new Uint8Array(lines + 1))
  const last = new Array(workers).fill(0)
  const t = { distinct: 0, appBytes: 0, duplicates: 0, outOfOrder: 0, torn: 0, other: 0 }
  t.expected = workers * lines
  t.add = (payload) => {
    const m = FLOOD_LINE.exec(payload)
    const w = m ? Number(m[1]) : -1
    const n = m ? Number(m[2]) : -1
    if (!m || w >= workers || n < 1 || n > lines) { t.torn++; return }
    if (seen[w][n] === 1) { t.duplicates++; return }
    seen[w][n] = 1
    t.distinct++
    t.appBytes += payload.length + 1
    if (n < last[w]) t.outOfOrder++
    last[w] = n
  }
  return t
}

/**
 * Splits a record of a sup log file (`<ISO time> <stream> <bytes>`, docs/logs.md) into app output
 * (stream `out`) and the rest: `out>`/`err>` continuation records count as torn, others as other.
 */
function addSupRecord (tally, record) {
  const a = record.indexOf(' ')
  const b = record.indexOf(' ', a + 1)
  const stream = b < 0 ? '' : record.slice(a + 1, b)
  if (stream === 'out') tally.add(record.slice(b + 1))
  else if (stream.endsWith('>')) tally.torn++
  else tally.other++
}

/**
 * Counts every line of one log file into `tally`, in the file's format: 'sup' (records) or 'raw' (the
 * app's bytes as written). A missing file counts nothing; a rotated one (`<path>.1` exists) is an error.
 */
export async function tallyFile ({ path, format }, tally) {
  if (existsSync(`${path}.1`)) throw new Error(`${path} was rotated: the count would miss lines`)
  const addLine = format === 'sup' ? addSupRecord : (t, line) => t.add(line)
  let fh
  try { fh = await open(path, 'r') } catch (e) { if (e.code === 'ENOENT') return; throw e }
  try {
    const buf = Buffer.alloc(CHUNK)
    let rest = ''
    for (let offset = 0; ;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, offset)
      if (bytesRead === 0) break
      offset += bytesRead
      const lines = (rest + buf.toString('latin1', 0, bytesRead)).split('\n')
      rest = lines.pop()
      for (const line of lines) addLine(tally, line)
    }
    if (rest !== '') tally.torn++
  } finally {
    await fh.close()
  }
}

/** { size, tail }: a file's size and its last `bytes` bytes as text ({ size: 0, tail: '' } when missing). */
export async function readEnd (path, bytes = 64) {
  let fh
  try { fh = await open(path, 'r') } catch (e) { if (e.code === 'ENOENT') return { size: 0, tail: '' }; throw e }
  try {
    const { size } = await fh.stat()
    const len = Math.min(bytes, size)
    const buf = Buffer.alloc(len)
    await fh.read(buf, 0, len, size - len)
    return { size, tail: buf.toString('latin1') }
  } finally {
    await fh.close()
  }
}
