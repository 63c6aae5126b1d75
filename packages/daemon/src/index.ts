// Public surface of @sup/daemon for embedding and tests (the binary is main.ts).
export { buildServer, type ServerDeps } from './http/server.ts'
export { createSupervisor, type Supervisor, type SupervisorDeps } from './runtime/supervisor.ts'
export { loadDaemonConfig, type DaemonConfig } from './config.ts'
export * from './errors.ts'
