// sup-logd's engine: reads every worker FIFO under logs/.pipes, frames records, appends them to logs/<app>-<i>.log.
import { mkdirSync, watch, type FSWatcher } from 'node:fs'
import { createRecordFramer, type RecordFramer } from './record-framer.ts'
import { openRotatingFile, type RotatingFile, type RotationLimits } from './rotating-file.ts'
import { dirStamp, drainFifo, findWorkerFifos, openFifoReader, readRotationConfig, sidecarStamp, workerLogPath, workerPipePaths, type FifoReader, type WorkerFifos } from './fifo.ts'
import { createLogSink, type LogSink, type LogSinkEvent, type StreamKind } from './log-sink.ts'

/**
 * A monotonic clock in ms. Not `performance.now()`: the `performance` global loads node's perf_hooks on first use
 * (~1.3 MiB of a bare node's RSS on Node 24): sup-logd with 4 workers 50.3 -> 49.8 MiB on Node 24, 46.8 -> 45.9 on
 * Node 22, 41.8 -> 41.5 on Node 20 (docs/performance.md).
 */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6

export interface LogCollectorEvent extends LogSinkEvent { readonly app: string; readonly instance: number }

export interface LogCollectorDeps {
  readonly pipesDir: string
  readonly logsDir: string
  /** Epoch ms: record times, the 1 s idle flush and the 1 s retry. */
  now (): number
  onEvent (e: LogCollectorEvent): void
  onError (err: unknown, where: string): void
  /** Opens a worker's log file; tests inject failing writes here (default: openRotatingFile). */
  readonly openFile?: (path: string, limits: RotationLimits) => RotatingFile
  /** Watches pipesDir for changes; tests inject a watch that misses them (default: fs.watch). */
  readonly watch?: (dir: string, onChange: () => void) => FSWatcher
  /** A scan found pipesDir missing (removed, or not made yet): sup-logd checks whether its SUP_HOME is gone. */
  readonly onPipesDirMissing?: () => void
}

/** Workers and streams open now; bytes read from pipes and written to files, records dropped, workers failing: since start. */
export interface LogCollectorStats {
  readonly workers: number; readonly streams: number; readonly bytesRead: number
  readonly bytesWritten: number; readonly dropped: number; readonly failing: number
}

export interface LogCollector {
  /** Opens FIFOs that appeared under pipesDir, closes (after draining) the ones that vanished, re-reads changed sidecars. */
  scan (): void
  /** Drains what the pipes hold (bounded), flushes partial lines as `>` records, writes, closes every file. */
  close (): Promise<void>
  stats (): LogCollectorStats
}

interface Stream { readonly kind: StreamKind; readonly reader: FifoReader; readonly framer: RecordFramer; lastDataAt: number }
interface Worker { readonly key: string; readonly sink: LogSink; readonly streams: Map<StreamKind, Stream>; readonly configPath: string; configStamp: string }

const TICK_MS = 250
const IDLE_FLUSH_MS = 1_000
/**
 * While fs.watch reports the directory's changes, a look at the directory (one stat; a scan only when it changed) is
 * the safety net for an event inotify lost: a minute after the last change, then twice as long each time nothing
 * changed, up to an hour. An idle sup-logd runs (almost) no JavaScript: code that runs again and again is compiled by
 * V8's optimizing tiers, whose code pages (~7 MiB on Node 24) an idle sup-logd then holds for good (docs/performance.md).
 */
const LOOK_FIRST_MS = 60_000
const LOOK_MAX_MS = 3_600_000
/** Without a working fs.watch (or while the directory is missing), it is rescanned every second. */
const RESCAN_MS = 1_000
/** close() reads at most this much per stream still in its pipe; the rest waits there for the next sup-logd. */
const MAX_DRAIN_BYTES = 1024 * 1024

/**
 * One collector per SUP_HOME (sup-logd's lock): it owns every FIFO's read end; two would split a worker's lines.
 * Memory per worker is bounded (a 256 KiB batch, a 64 KiB partial line per stream; 1 MiB per stream while writes
 * fail). close() loses nothing; a SIGKILL loses what was read and not yet written: at most that batch and partial.
 */
export function createLogCollector (deps: LogCollectorDeps): LogCollector {
  const workers = new Map<string, Worker>()
  const dirty = new Set<LogSink>()
  const closed = { bytesWritten: 0, dropped: 0 } // totals of the workers already gone
  let bytesRead = 0
  let isClosed = false
  let isFlushScheduled = false
  let isScanScheduled = false
  let watcher: FSWatcher | null = null
  let lastScanAt = deps.now()
  /** pipesDir's stamp when it was last scanned, and how long until the next look while watched. */
  let scannedStamp = ''
  let lookMs = LOOK_FIRST_MS
  /** A partial line waits or a write failed: the tick has streams to look at. At rest it has none. */
  let hasQuickWork = false
  /** A stream closed on an error: it is reopened at the next scan, due within RESCAN_MS. */
  let mustRescan = false
  const guard = (where: string, fn: () => void): void => { try { fn() } catch (err) { deps.onError(err, where) } }

  // Coalesces the reads of one event-loop turn into one write per worker.
  const requestFlush = (sink: LogSink): void => {
    dirty.add(sink)
    if (isFlushScheduled) return
    isFlushScheduled = true
    setImmediate(() => {
      isFlushScheduled = false
      const due = [...dirty]
      dirty.clear()
      for (const s of due) guard('flush', () => s.flush())
      if (due.some((s) => s.isFailing())) quickTick() // its retries
    })
  }

  const onData = (w: Worker, st: Stream, chunk: Buffer): void => {
    bytesRead += chunk.length
    st.lastDataAt = deps.now()
    w.sink.add(st.kind, st.framer.push(chunk))
    if (st.framer.pending() > 0) quickTick() // its idle flush, 1 s on
  }

  const openStream = (w: Worker, kind: StreamKind, path: string): void => {
    const reader = openFifoReader(path)
    const st: Stream = { kind, reader, framer: createRecordFramer({ stream: kind, now: deps.now }), lastDataAt: deps.now() }
    w.streams.set(kind, st)
    // Backpressure: batches are written synchronously, so no pipe is read while a write is under way; a flooding
    // worker waits in its own write(2) once its 64 KiB pipe is full. Memory per stream stays bounded.
    reader.socket.on('data', (chunk: Buffer) => guard(`read ${path}`, () => onData(w, st, chunk)))
    reader.socket.on('error', (err) => deps.onError(err, `read ${path}`))
    reader.socket.on('close', () => { // after an error: reopened at the next scan
      if (w.streams.get(kind) !== st) return
      w.streams.delete(kind)
      mustRescan = true
      tickWithin(RESCAN_MS)
    })
  }

  // Takes what the pipe still holds (the socket's buffer, then the fd until EAGAIN), emits the partial line, closes.
  const closeStream = (w: Worker, st: Stream): Promise<void> => {
    w.streams.delete(st.kind)
    const { socket, fd } = st.reader
    guard(`drain ${w.key}.${st.kind}`, () => {
      socket.pause()
      while (socket.read() !== null) { /* read() emits 'data' */ }
      drainFifo(fd, MAX_DRAIN_BYTES, (chunk) => onData(w, st, chunk))
      w.sink.add(st.kind, st.framer.flushPartial())
    })
    return socket.closed ? Promise.resolve() : new Promise((resolve) => { socket.once('close', () => resolve()); socket.destroy() })
  }

  // Drains and writes synchronously (a worker made again at once must not share the file with this one), then waits for the fds.
  const closeWorker = async (w: Worker): Promise<void> => {
    workers.delete(w.key)
    const closing = [...w.streams.values()].map((st) => closeStream(w, st))
    dirty.delete(w.sink)
    const lost = w.sink.close()
    closed.bytesWritten += w.sink.bytesWritten()
    closed.dropped += w.sink.dropped() + lost
    if (lost > 0) deps.onError(new Error(`${lost} record(s) of ${w.key} not written: its log file still refuses writes`), `close ${w.key}`)
    await Promise.all(closing)
  }

  const workerFor = (app: string, instance: number): Worker => {
    const key = `${app}-${instance}`
    const found = workers.get(key)
    if (found !== undefined) return found
    mkdirSync(deps.logsDir, { recursive: true, mode: 0o700 })
    const configPath = workerPipePaths(deps.pipesDir, app, instance).config
    const sink: LogSink = createLogSink({
      logPath: workerLogPath(deps.logsDir, app, instance),
      limits: readRotationConfig(configPath),
      now: deps.now,
      openFile: deps.openFile ?? openRotatingFile,
      onEvent: (e) => deps.onEvent({ app, instance, ...e }),
      requestFlush: () => requestFlush(sink)
    })
    const w: Worker = { key, sink, streams: new Map(), configPath, configStamp: sidecarStamp(configPath) }
    workers.set(key, w)
    return w
  }

  // Matches the open streams to the FIFOs on disk, by name and inode (a FIFO made again is a new one).
  const sync = (w: Worker, found: WorkerFifos): void => {
    for (const kind of ['out', 'err'] as const) {
      const fifo = found.fifos.get(kind)
      const st = w.streams.get(kind)
      if (st !== undefined && st.reader.ino !== fifo?.ino) void closeStream(w, st)
      if (fifo !== undefined && !w.streams.has(kind)) guard(`open ${fifo.path}`, () => openStream(w, kind, fifo.path))
    }
    const stamp = sidecarStamp(w.configPath)
    if (stamp !== w.configStamp) w.sink.setLimits(readRotationConfig(w.configPath))
    w.configStamp = stamp
  }

  const scan = (): void => {
    if (isClosed) return
    lastScanAt = deps.now()
    mustRescan = false
    scannedStamp = dirStamp(deps.pipesDir) // before the listing: a change after it shows in the next stamp
    const found = findWorkerFifos(deps.pipesDir)
    if (found === null) { // removed: the watch ended with it; polled until it is back
      watcher?.close()
      watcher = null
      deps.onPipesDirMissing?.()
    }
    for (const [key, w] of workers) if (found?.has(key) !== true) void closeWorker(w)
    for (const f of found?.values() ?? []) guard(`scan ${f.app}-${f.instance}`, () => sync(workerFor(f.app, f.instance), f))
    watchPipes()
  }

  // fs.watch makes a new worker's output flow at once; the look (rescanIfDue) covers an event it lost, polling a missing dir.
  const watchPipes = (): void => {
    if (watcher !== null) return
    try {
      watcher = (deps.watch ?? watch)(deps.pipesDir, () => {
        lookMs = LOOK_FIRST_MS
        if (isClosed || isScanScheduled) return
        isScanScheduled = true // a burst of changes (a scale to 50 workers) is one scan
        setImmediate(() => { isScanScheduled = false; guard('scan', scan) })
      })
      watcher.on('error', () => { watcher?.close(); watcher = null })
    } catch { watcher = null }
  }

  // The tick: partial lines idle for 1 s become `>` records, failed writes are retried, the directory looked at.
  // It comes every TICK_MS only while a partial line waits or a write fails, else when the next look is due: an idle
  // sup-logd with a working watch wakes once a minute at most, and then stats one directory.
  let timer: NodeJS.Timeout | null = null
  let timerDueAt = Infinity
  const isPolling = (): boolean => watcher === null || mustRescan
  const rescanMs = (): number => (isPolling() ? RESCAN_MS : lookMs)
  const needsQuickTick = (): boolean => {
    for (const w of workers.values()) {
      if (w.sink.isFailing()) return true
      for (const st of w.streams.values()) if (st.framer.pending() > 0) return true
    }
    return false
  }
  /** The next tick in `ms` at the latest (an earlier one already set stays). */
  const tickWithin = (ms: number): void => {
    if (isClosed) return
    const due = monotonicMs() + ms
    if (timer !== null && timerDueAt <= due) return
    if (timer !== null) clearTimeout(timer)
    timerDueAt = due
    timer = setTimeout(tick, ms)
  }
  const quickTick = (): void => {
    hasQuickWork = true
    tickWithin(TICK_MS)
  }
  /** Scans when polling; while watched, scans only when the directory changed, and looks less often while it does not. */
  const rescanIfDue = (now: number): void => {
    if (now - lastScanAt < rescanMs()) return
    if (isPolling() || dirStamp(deps.pipesDir) !== scannedStamp) {
      lookMs = LOOK_FIRST_MS
      guard('scan', scan)
      return
    }
    lastScanAt = now
    lookMs = Math.min(lookMs * 2, LOOK_MAX_MS)
  }
  const tick = (): void => {
    timer = null
    timerDueAt = Infinity
    const now = deps.now()
    if (hasQuickWork) {
      hasQuickWork = false
      for (const w of workers.values()) {
        for (const st of w.streams.values()) {
          if (st.framer.pending() > 0 && now - st.lastDataAt >= IDLE_FLUSH_MS) guard(`idle ${w.key}`, () => w.sink.add(st.kind, st.framer.flushPartial()))
        }
        if (w.sink.isFailing()) guard(`retry ${w.key}`, () => w.sink.flush())
      }
      hasQuickWork = needsQuickTick()
    }
    rescanIfDue(now)
    tickWithin(hasQuickWork ? TICK_MS : rescanMs())
  }
  tickWithin(rescanMs())

  return {
    scan,
    async close () {
      if (isClosed) return
      isClosed = true
      if (timer !== null) clearTimeout(timer)
      watcher?.close()
      await Promise.all([...workers.values()].map(closeWorker))
    },
    stats () {
      const all = [...workers.values()]
      const sum = (f: (w: Worker) => number): number => all.reduce((n, w) => n + f(w), 0)
      return {
        workers: all.length, streams: sum((w) => w.streams.size), bytesRead, bytesWritten: closed.bytesWritten + sum((w) => w.sink.bytesWritten()),
        dropped: closed.dropped + sum((w) => w.sink.dropped()), failing: sum((w) => (w.sink.isFailing() ? 1 : 0))
      }
    }
  }
}
