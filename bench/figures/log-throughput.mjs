// Figure: 4 workers flooding stdout, until every line is on disk; supervisor CPU per 100 MB; lines lost.
import { createFloodTally, readEnd, tallyFile } from '../lib/flood-tally.mjs'
import { pidOnPort } from '../lib/http-poll.mjs'
import { readCpuSeconds, readRssKb } from '../lib/proc.mjs'
import { median, now, sleep } from '../lib/timing.mjs'

const LINES = 200_000
// sup's default cap (10 MiB x 5 per worker) would rotate mid-count; 200M keeps every record in one file.
const FLOOD = {
  name: 'flood',
  script: 'bench/fixtures/flood.js',
  env: { FLOOD_LINES: String(LINES) },
  sup: ['--log-max-size', '200M'],
  keepsOutput: true
}
const POLL_MS = 20
// With no new byte for this long, the lines still missing are counted as lost.
const QUIET_MS = 3000
const DEADLINE_MS = 90_000
const MB = 1e6

/** The CPU seconds of each of `pids` so far (a pid that is gone counts 0 and is listed in `gone`). */
async function cpuOf (pids) {
  const secs = await Promise.all(pids.map(readCpuSeconds))
  return { each: secs.map((s) => s ?? 0), gone: pids.filter((_, i) => secs[i] === null) }
}

/**
 * Looks at the end of every log file every 20 ms until each ends with its worker's last line (a stream is
 * written in order, so everything before it has been handled), or nothing grew for QUIET_MS once the
 * start command is done. Resolves { at, firstAt }: when the last line was seen (else the last growth)
 * and when the first byte was.
 */
async function waitForLastLines (files, commandDone, t0) {
  const last = new RegExp(`line \\d+ ${LINES}\\n$`)
  let size = 0
  let grewAt = t0
  let firstAt = NaN
  for (;;) {
    const ends = await Promise.all(files.map((f) => readEnd(f.path)))
    const total = ends.reduce((a, e) => a + e.size, 0)
    if (total !== size) {
      size = total
      grewAt = now()
      if (Number.isNaN(firstAt)) firstAt = grewAt
    }
    if (ends.every((e) => last.test(e.tail))) return { at: now(), firstAt }
    if (commandDone.value && now() - grewAt > QUIET_MS) return { at: grewAt, firstAt }
    if (now() - t0 > DEADLINE_MS) throw new Error(`the log files still grow after ${DEADLINE_MS / 1000} s`)
    await sleep(POLL_MS)
  }
}

export const logThroughput = {
  id: 'log-throughput',
  number: 5,
  title: `Log flood: 4 workers x ${LINES.toLocaleString('en')} lines, start until every line is on disk`,
  unit: 'ms',
  phase: 'cold',
  partUnits: {
    'first line': 'ms',
    'lines/s': 'lines/s',
    'MB/s': 'MB/s',
    'lines/s after the first': 'lines/s',
    'supervisor CPU': 's',
    'daemon CPU': 's',
    'helper CPU': 's',
    'CPU per 100 MB': 's',
    'workers CPU': 's',
    'supervisor RSS after': 'MiB',
    lost: 'lines'
  },
  summaryParts: ['lines/s', 'CPU per 100 MB', 'lost'],
  aim: {
    text: '0 lines lost, sup ≥ 2x PM2\'s lines/s, sup\'s CPU per 100 MB ≤ PM2\'s',
    needs: ['sup', 'pm2'],
    // Same line count for both, so 2x the lines/s is half the time. "0 lost" holds for every repetition, not the median.
    isMet: ({ sup, pm2 }, r) => Math.max(...r.sup.parts.lost) === 0 && sup <= 0.5 * pm2 &&
      median(r.sup.parts['CPU per 100 MB']) <= median(r.pm2.parts['CPU per 100 MB'])
  },
  method: `Each repetition: fresh state dir, the daemon started first with no app (sup: \`sup list --json\`, ` +
    'then its sup-logd is waited for; PM2: `pm2 ping`), then `bench/fixtures/flood.js` with 4 workers ' +
    `(sup: \`sup start flood.js -n 4 --log-max-size 200M --env FLOOD_LINES=${LINES}\`, so nothing rotates; PM2: ` +
    'fork mode, `instances: 4`, its default log files `$PM2_HOME/logs/flood-out-<id>.log`; floor: the least a collector can ' +
    `do, 4 \`node flood.js\` each with stdout and stderr on a pipe into a \`cat\` of its own appending to a file). Each worker writes \`line <worker> <n>\\n\` for n = 1..${LINES.toLocaleString('en')}, one ` +
    '`process.stdout.write` per line, waiting for `drain` whenever write() returns false (a full pipe: the ' +
    'supervisor reads slower than the app writes), so a worker holds at most about 16 KiB (the stream\'s highWaterMark) in memory. The clock starts before the start ' +
    'command is spawned. Every 20 ms the bench looks at the end of each log file (size and last 64 bytes, ' +
    'so it takes next to no CPU from the tools) and stops the clock when every file ends with its worker\'s ' +
    `line ${LINES.toLocaleString('en')} (a worker's stream is written in order, so everything before it has been handled), ` +
    'or, if that never comes, at the last poll that saw the files grow (then nothing new for 3 s). Off the ' +
    'clock it reads every file whole (sup: parsing its `<time> out <bytes>` records; PM2 and floor: raw ' +
    'lines) and counts the distinct (worker, n) pairs. first line: when the files first grew (the start ' +
    'command and node\'s boot come before it); lines/s after the first: the rate from then on. lines/s and ' +
    'MB/s are the app\'s own output over the whole clock (lines and their bytes as written, 1 MB = 10^6 ' +
    'bytes), not the bytes of the files (sup\'s timestamped records are about 3x the app\'s bytes; PM2 ' +
    'writes the bytes bare by default). Supervisor CPU: utime + stime from /proc/<pid>/stat of the daemon ' +
    'and its helpers (sup: daemon + sup-logd; PM2: God and any non-worker child) from just ' +
    'before the start command to the stop of the clock (so it includes handling the start), per 100 MB ' +
    'of app output; floor: its 4 `cat`s. workers CPU: the 4 flood processes\' whole lives (start to ' +
    'last line; pids found by their ports). supervisor RSS after: VmRSS of the same processes once every file has been ' +
    'read back (the flood over for a second or more; what a supervisor keeps of a burst it usually keeps for good). ' +
    'Lost: written minus distinct ' +
    '(worker, n) pairs on disk; duplicates, out-of-order and torn lines are counted too and reported under ' +
    'Warnings when not 0.',
  /** One flood: resolves { value: ms, parts }. */
  async sample ({ driver, ports, instances, warn }) {
    const cluster = await driver.prepare({ instances, ports, app: FLOOD })
    const files = driver.logFiles(cluster)
    try {
      await driver.boot(cluster)
      const pids = await driver.supervisorPids(cluster)
      const cpu0 = await cpuOf(pids)
      const commandDone = { value: false }
      const t0 = now()
      const started = driver.start(cluster).finally(() => { commandDone.value = true })
      started.catch(() => {})
      const { at, firstAt } = await waitForLastLines(files, commandDone, t0)
      const cpu1 = await cpuOf(pids)
      // The workers are idle once their last line is out: their CPU read a moment later is the flood's.
      const workers = await cpuOf(await Promise.all(ports.map(pidOnPort)))
      await started
      // Off the clock: every line of every file.
      const tally = createFloodTally({ workers: instances, lines: LINES })
      for (const f of files) await tallyFile(f, tally)
      const rssAfterKb = await Promise.all(pids.map((p) => readRssKb(p).catch(() => 0)))
      if (cpu1.gone.length > 0) warn(`${driver.label} log flood: supervisor pid(s) ${cpu1.gone.join(', ')} exited during the flood; their CPU is not counted`)
      const bad = ['duplicates', 'outOfOrder', 'torn'].filter((k) => tally[k] > 0).map((k) => `${k} ${tally[k]}`)
      if (bad.length > 0) warn(`${driver.label} log flood: ${bad.join(', ')}`)
      const secs = (at - t0) / 1000
      const cpu = cpu1.each.map((c, i) => Math.max(0, c - cpu0.each[i]))
      const total = cpu.reduce((a, c) => a + c, 0)
      const parts = {
        'first line': firstAt - t0,
        'lines/s': tally.distinct / secs,
        'MB/s': tally.appBytes / MB / secs,
        'lines/s after the first': tally.distinct / ((at - firstAt) / 1000),
        'supervisor CPU': total
      }
      // The first supervisor pid is the daemon (sup, PM2); the floor's are its cats, all alike.
      if (driver.id !== 'floor') Object.assign(parts, { 'daemon CPU': cpu[0] ?? 0, 'helper CPU': total - (cpu[0] ?? 0) })
      parts['CPU per 100 MB'] = total / (tally.appBytes / (100 * MB))
      if (workers.gone.length === 0) parts['workers CPU'] = workers.each.reduce((a, c) => a + c, 0)
      parts['supervisor RSS after'] = rssAfterKb.reduce((a, k) => a + k, 0) / 1024
      parts.lost = tally.expected - tally.distinct
      return { value: at - t0, parts }
    } finally {
      for (const w of await driver.stop(cluster)) warn(w)
    }
  }
}
