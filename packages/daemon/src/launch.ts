// The daemon bundle's entry (bundle/main.js): turns node's compile cache on (adapters/compile-cache.ts), then loads the
// daemon itself (main.ts, a chunk of its own), so that node compiles the daemon's code with the cache.
import { enableCompileCache } from './adapters/compile-cache.ts'

enableCompileCache()
await import('./main.ts')
