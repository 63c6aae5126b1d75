// @sup/test-support: fakes and helpers shared by unit, integration and e2e tests.
export * from './fake-clock.ts'
export * from './fake-spawner.ts'
export * from './fake-probe.ts'
export * from './memory-store.ts'
export * from './wait.ts'
export * from './tmp-dir.ts'
export * from './daemon.ts'
export * from './procs.ts'
