// Port probing: find blocks of free ports and wait for them to be released.
import net from 'node:net'
import { now, sleep } from './timing.mjs'

/** Whether `port` can be bound on 127.0.0.1 and on the wildcard address (what the app binds). */
export async function isPortFree (port) {
  return (await canBind(port, '127.0.0.1')) && (await canBind(port, undefined))
}

function canBind (port, host) {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)))
  })
}

/**
 * The first block of `size` consecutive free ports within [from, to], starting on a multiple
 * of `align`, that overlaps none of `taken` (blocks already handed out). Throws when none.
 */
export async function findFreeBlock ({ from, to, size, align = 10, taken = [] }) {
  for (let base = from; base + size - 1 <= to; base += align) {
    const block = Array.from({ length: size }, (_, i) => base + i)
    if (block.some((p) => taken.includes(p))) continue
    const free = await Promise.all(block.map(isPortFree))
    if (free.every(Boolean)) return block
  }
  throw new Error(`no ${size} free consecutive ports in ${from}-${to}`)
}

/** Waits until every port is free again; false at the deadline. */
export async function waitPortsFree (ports, deadline) {
  for (;;) {
    const free = await Promise.all(ports.map(isPortFree))
    if (free.every(Boolean)) return true
    if (now() > deadline) return false
    await sleep(20)
  }
}
