// The daemon's version, reported by /healthz.
export const VERSION = '0.1.0'
