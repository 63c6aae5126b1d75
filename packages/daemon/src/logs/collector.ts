// sup-logd's engine: reads every worker FIFO under logs/.pipes, frames records, appends them to logs/<app>-<i>.log.
import { mkdirSync, readdirSync, readSync, statSync, watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'
import { createRecordFramer, type RecordFramer } from './record-framer.ts'
import { openRotatingFile, type RotatingFile, type RotationLimits } from './rotating-file.ts'
import { openFifoReader, parsePipeName, readRotationConfig, workerLogPath, workerPipePaths, type FifoReader } from './fifo.ts'
import { createLogSink, type LogSink, type LogSinkEvent, type StreamKind } from './log-sink.ts'

export interface LogCollectorEvent extends LogSinkEvent {
  readonly app: string
  readonly instance: number
}

export interface LogCollectorDeps {
  readonly pipesDir: string
  readonly logsDir: string
  /** Epoch ms: record times, the 1 s idle flush and the 1 s retry. */
  now (): number
  onEvent (e: LogCollectorEvent): void
  onError (err: unknown, where: string): void
  /** Opens a worker's log file; tests inject failing writes here (default: openRotatingFile). */
  readonly openFile?: (path: string, limits: RotationLimits) => RotatingFile
}

export interface LogCollectorStats {
  readonly workers: number
  readonly streams: number
  readonly bytesRead: number
  readonly bytesWritten: number
  readonly dropped: number
  readonly failing: number
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
interface FoundWorker { readonly app: string; readonly instance: number; readonly fifos: Map<StreamKind, { path: string; ino: number }> }

const TICK_MS = 250
const IDLE_FLUSH_MS = 1_000
const RESCAN_MS = 1_000
/** close() reads at most this much per stream still in its pipe; the rest waits there for the next sup-logd. */
const MAX_DRAIN_BYTES = 1024 * 1024

/** Why one collector per SUP_HOME (sup-logd's lock): it owns every FIFO's read end; two would split a worker's lines. */
export function createLogCollector (deps: LogCollectorDeps): LogCollector {
  const workers = new Map<string, Worker>()
  const dirty = new Set<LogSink>()
  let closedBytesWritten = 0
  let closedDropped = 0
  let bytesRead = 0
  let isClosed = false
  let isFlushScheduled = false
  let isScanScheduled = false
  let watcher: FSWatcher | null = null
  let lastScanAt = deps.now()
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
    })
  }

  const onData = (w: Worker, st: Stream, chunk: Buffer): void => {
    bytesRead += chunk.length
    st.lastDataAt = deps.now()
    w.sink.add(st.kind, st.framer.push(chunk))
  }

  const openStream = (w: Worker, kind: StreamKind, path: string): void => {
    const reader = openFifoReader(path)
    const st: Stream = { kind, reader, framer: createRecordFramer({ stream: kind, now: deps.now }), lastDataAt: deps.now() }
    w.streams.set(kind, st)
    // Backpressure: batches are written synchronously, so no pipe is read while a write is under way; a flooding
    // worker waits in its own write(2) once its 64 KiB pipe is full. Memory per stream stays bounded.
    reader.socket.on('data', (chunk: Buffer) => guard(`read ${path}`, () => onData(w, st, chunk)))
    reader.socket.on('error', (err) => deps.onError(err, `read ${path}`))
  }

  // Takes what the pipe still holds (the socket's buffer, then the fd until EAGAIN), emits the partial line, closes.
  const closeStream = (w: Worker, st: Stream): Promise<void> => {
    w.streams.delete(st.kind)
    const { socket, fd } = st.reader
    guard(`drain ${w.key}.${st.kind}`, () => {
      socket.pause()
      while (socket.read() !== null) { /* read() emits 'data' */ }
      const buf = Buffer.allocUnsafe(65_536)
      for (let total = 0, n = readOrEmpty(fd, buf); n > 0 && total < MAX_DRAIN_BYTES; total += n, n = readOrEmpty(fd, buf)) {
        onData(w, st, Buffer.from(buf.subarray(0, n)))
      }
      w.sink.add(st.kind, st.framer.flushPartial())
    })
    if (socket.closed) return Promise.resolve()
    return new Promise((resolve) => { socket.once('close', () => resolve()); socket.destroy() })
  }

  const closeWorker = async (w: Worker): Promise<void> => {
    workers.delete(w.key)
    await Promise.all([...w.streams.values()].map((st) => closeStream(w, st)))
    dirty.delete(w.sink)
    const lost = w.sink.close()
    closedBytesWritten += w.sink.bytesWritten()
    closedDropped += w.sink.dropped() + lost
    if (lost > 0) deps.onError(new Error(`${lost} record(s) of ${w.key} not written: its log file still refuses writes`), `close ${w.key}`)
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
    const w: Worker = { key, sink, streams: new Map(), configPath, configStamp: stampOf(configPath) }
    workers.set(key, w)
    return w
  }

  // Matches the open streams to the FIFOs on disk, by name and inode (a FIFO made again is a new one).
  const sync = (w: Worker, found: FoundWorker): void => {
    for (const kind of ['out', 'err'] as const) {
      const fifo = found.fifos.get(kind)
      const st = w.streams.get(kind)
      if (st !== undefined && st.reader.ino !== fifo?.ino) void closeStream(w, st)
      if (fifo !== undefined && !w.streams.has(kind)) guard(`open ${fifo.path}`, () => openStream(w, kind, fifo.path))
    }
    const stamp = stampOf(w.configPath)
    if (stamp === w.configStamp) return
    w.configStamp = stamp
    w.sink.setLimits(readRotationConfig(w.configPath))
  }

  const scan = (): void => {
    if (isClosed) return
    lastScanAt = deps.now()
    const found = findWorkers(deps.pipesDir)
    for (const [key, w] of workers) if (!found.has(key)) void closeWorker(w)
    for (const f of found.values()) guard(`scan ${f.app}-${f.instance}`, () => sync(workerFor(f.app, f.instance), f))
    watchPipes()
  }

  // fs.watch makes a new worker's output flow at once; the periodic rescan covers what it misses (or a missing dir).
  const watchPipes = (): void => {
    if (watcher !== null) return
    try {
      watcher = watch(deps.pipesDir, () => {
        if (isClosed || isScanScheduled) return
        isScanScheduled = true // a burst of changes (a scale to 50 workers) is one scan
        setImmediate(() => { isScanScheduled = false; guard('scan', scan) })
      })
      watcher.on('error', () => { watcher?.close(); watcher = null })
    } catch { watcher = null }
  }

  // Every TICK_MS: partial lines idle for 1 s become `>` records, failed writes are retried, the directory rescanned.
  const tick = (): void => {
    const now = deps.now()
    for (const w of workers.values()) {
      for (const st of w.streams.values()) {
        if (st.framer.pending() > 0 && now - st.lastDataAt >= IDLE_FLUSH_MS) guard(`idle ${w.key}`, () => w.sink.add(st.kind, st.framer.flushPartial()))
      }
      if (w.sink.isFailing()) guard(`retry ${w.key}`, () => w.sink.flush())
    }
    if (now - lastScanAt >= RESCAN_MS) guard('scan', scan)
  }
  const timer = setInterval(tick, TICK_MS)

  return {
    scan,
    async close () {
      if (isClosed) return
      isClosed = true
      clearInterval(timer)
      watcher?.close()
      await Promise.all([...workers.values()].map(closeWorker))
    },
    stats () {
      const all = [...workers.values()]
      return {
        workers: all.length,
        streams: all.reduce((n, w) => n + w.streams.size, 0),
        bytesRead,
        bytesWritten: all.reduce((n, w) => n + w.sink.bytesWritten(), closedBytesWritten),
        dropped: all.reduce((n, w) => n + w.sink.dropped(), closedDropped),
        failing: all.filter((w) => w.sink.isFailing()).length
      }
    }
  }
}

/** The workers that have FIFOs under pipesDir (sidecars and strays ignored). */
function findWorkers (pipesDir: string): Map<string, FoundWorker> {
  const found = new Map<string, FoundWorker>()
  let names: string[] = []
  try { names = readdirSync(pipesDir) } catch { /* not made yet: nothing to read */ }
  for (const name of names) {
    const p = parsePipeName(name)
    if (p === null || p.kind === 'config') continue
    const path = join(pipesDir, name)
    const st = statSync(path, { throwIfNoEntry: false })
    if (st?.isFIFO() !== true) continue
    const key = `${p.app}-${p.instance}`
    const entry = found.get(key) ?? { app: p.app, instance: p.instance, fifos: new Map() }
    entry.fifos.set(p.kind, { path, ino: st.ino })
    found.set(key, entry)
  }
  return found
}

function stampOf (path: string): string {
  const st = statSync(path, { throwIfNoEntry: false })
  return st === undefined ? 'none' : `${st.ino}:${st.size}:${st.mtimeMs}`
}

/** One non-blocking read of a FIFO: 0 when it holds nothing right now (EAGAIN). */
function readOrEmpty (fd: number, buf: Buffer): number {
  try {
    return readSync(fd, buf, 0, buf.length, null)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return 0
    throw err
  }
}
