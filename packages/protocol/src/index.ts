// Public surface of @sup/protocol: schemas and types of the daemon's HTTP API.
export * from './schemas.ts'
export * from './deploy.ts'
export * from './usage.ts'
export * from './version.ts'
export * from './config.ts'
