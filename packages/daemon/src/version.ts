// The daemon's version, reported by /healthz: sup's one version (packages/protocol/src/version.ts).
export { SUP_VERSION as VERSION } from '@sup/protocol/version'
