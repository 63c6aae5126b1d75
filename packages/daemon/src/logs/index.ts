// The writing side of worker logs (docs/logs.md): what the daemon and the readers import from sup-logd's code.
export { createRecordFramer, formatRecord, parseRecord, MAX_RECORD_BYTES, type LogRecord, type RecordFramer, type RecordFramerOptions } from './record-framer.ts'
export { openRotatingFile, type RotatingFile, type RotatingWriteError, type RotationLimits } from './rotating-file.ts'
export {
  DEFAULT_ROTATION, openFifoReader, parsePipeName, readRotationConfig, workerLogPath, workerPipePaths, writeRotationConfig,
  type FifoReader, type PipeName, type WorkerPipePaths
} from './fifo.ts'
export { createLogCollector, type LogCollector, type LogCollectorDeps, type LogCollectorEvent, type LogCollectorStats } from './collector.ts'
