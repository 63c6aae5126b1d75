// Public surface of @sup/client: createClient(), SupClientError and the API's types.
export { createClient, daemonLogPath, HEALTH_TIMEOUT_MS, READ_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS } from './client.ts'
export type { CallOptions, ClientOptions, EventStreamOptions, LogsOptions, ShutdownOptions, StartOptions, SupClient } from './client.ts'
export { DEFAULT_DEPLOY_USER, isAppIn, WAIT_POLL_MS } from './deploy.ts'
export type { DeployOptions, WaitForOptions } from './deploy.ts'
export type { PackListing, PackSkip } from './pack-dir.ts'
export type { UploadRequest } from './upload.ts'
export {
  errorFromBody,
  errorFromConnection,
  isSupClientError,
  MAX_SOCKET_PATH_BYTES,
  SupClientError,
  SUP_ERR_CLIENT_ABORTED,
  SUP_ERR_CLIENT_BAD_RESPONSE,
  SUP_ERR_CLIENT_CONNECTION,
  SUP_ERR_CLIENT_DEPLOY_SOURCE,
  SUP_ERR_CLIENT_OPTIONS,
  SUP_ERR_CLIENT_TIMEOUT,
  SUP_ERR_CLIENT_UPLOAD_CUT,
  SUP_ERR_CLIENT_WAIT_TIMEOUT,
  SUP_ERR_DAEMON_LOST,
  SUP_ERR_DAEMON_UNREACHABLE
} from './errors.ts'
export type { SupClientErrorOptions } from './errors.ts'
export { buildPath, createTransport, defaultHome, socketPathOf } from './transport.ts'
export { readNdjson } from './ndjson.ts'
export type { JsonRequest, Method, StreamRequest, Transport, TransportOptions } from './transport.ts'
export type {
  AppList,
  AppSpecInput,
  AppSpecView,
  AppView,
  ConfigChange,
  ConfigView,
  DeleteResult,
  DeployResult,
  ErrorBody,
  EventList,
  EventsQuery,
  EventView,
  HealthView,
  LogRecord,
  LogsQuery,
  LogStream,
  ReleaseList,
  ReleaseView,
  ScaleBody,
  SettingView,
  ShutdownResult,
  WorkerState,
  WorkerView
} from '@sup/protocol'
