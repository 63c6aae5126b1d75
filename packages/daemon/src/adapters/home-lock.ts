// One daemon per SUP_HOME: an abstract unix socket is the lock; the kernel releases it when the holder dies, even by SIGKILL.
import { createServer, type Server } from 'node:net'

export interface HomeLock { release (): void }

/** Takes the lock or resolves null when another live daemon holds it. Linux only (abstract namespace). */
export function acquireHomeLock (name: string): Promise<HomeLock | null> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer((s) => s.destroy())
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(null)
      else reject(err)
    })
    server.listen({ path: name, exclusive: true }, () => {
      server.unref()
      resolve({ release: () => { server.close() } })
    })
  })
}
