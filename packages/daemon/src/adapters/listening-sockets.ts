// What a process tree listens on now, read from /proc (Linux): its sockets' inodes (/proc/<pid>/fd) matched against the
// LISTEN lines of /proc/<pid>/net/tcp and tcp6 (the tree's own network namespace). Says why a worker did not get ready.
import { closeSync, openSync, readSync } from 'node:fs'
import { readdir, readlink } from 'node:fs/promises'
import type { Listener } from '../core/not-ready.ts'
import { upstreamHostFor, type HostOf } from '../core/upstream.ts'
import { readTreeStats } from './proc-tree.ts'

/** An address of /proc/net/tcp (8 hex digits) or tcp6 (32), each 32-bit word in host (little-endian) order, as text. */
export function addressText (hex: string): string {
  const bytes: number[] = []
  for (let w = 0; w < hex.length; w += 8) for (let b = 6; b >= 0; b -= 2) bytes.push(Number.parseInt(hex.slice(w + b, w + b + 2), 16))
  if (bytes.length === 4) return bytes.join('.')
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0))
  // the longest run of zero groups (two or more) becomes '::'
  let best = { at: -1, len: 0 }
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > best.len) best = { at: i, len: j - i }
    i = j === i ? i + 1 : j
  }
  const hexOf = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':')
  if (best.len < 2) return hexOf(groups)
  return `${hexOf(groups.slice(0, best.at))}::${hexOf(groups.slice(best.at + best.len))}`
}

/** The sockets in LISTEN (state 0A) of a /proc/net/tcp or tcp6 text, by inode. */
export function parseListeners (text: string): Map<string, Listener> {
  const out = new Map<string, Listener>()
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    const local = f[1]
    const inode = f[9]
    if (f[3] !== '0A' || local === undefined || inode === undefined || inode === '0') continue
    const colon = local.indexOf(':')
    if (colon === -1) continue
    out.set(inode, { address: addressText(local.slice(0, colon)), port: Number.parseInt(local.slice(colon + 1), 16) })
  }
  return out
}

/** Bytes read from a /proc/net table at a time. */
const CHUNK_BYTES = 64 * 1024

/**
 * The header and LISTEN lines of a /proc/net/tcp or tcp6 table ('' when it cannot be read). The kernel lists every
 * listening socket first (then the connections), and makes the text as it is read: the read stops at the first other
 * line. On a box with tens of thousands of connections the whole table is megabytes (9,000 loopback connections
 * here: 54-62 ms to read on a quiet box, ~0.5 s beside a CI run); its listening part a few lines (0.3-1.1 ms).
 */
export function readListenLines (path: string, chunkBytes: number = CHUNK_BYTES): string {
  let fd: number
  try { fd = openSync(path, 'r') } catch { return '' }
  try {
    const buf = Buffer.allocUnsafe(chunkBytes)
    let text = ''
    let checked = 0 // text before this index is whole lines, each the header or a LISTEN line
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null)
      if (n === 0) return text
      text += buf.toString('latin1', 0, n)
      for (let nl = text.indexOf('\n', checked); nl !== -1; nl = text.indexOf('\n', checked)) {
        if (checked > 0 && text.slice(checked, nl).trim().split(/\s+/)[3] !== '0A') return text.slice(0, checked)
        checked = nl + 1
      }
    }
  } catch {
    return ''
  } finally {
    closeSync(fd)
  }
}

/** The socket inodes a process holds open. */
async function socketInodes (pid: number): Promise<string[]> {
  const out: string[] = []
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''))
    if (m?.[1] !== undefined) out.push(m[1])
  }
  return out
}

/**
 * The TCP addresses and ports the process `pid` and its descendants listen on now, by port; null when that cannot
 * be read (the process is gone, or /proc hides its descriptors).
 */
export async function listenersOf (pid: number): Promise<Listener[] | null> {
  try {
    const tree = readTreeStats([pid])
    if (tree === undefined || !tree.has(pid)) return null
    const inodes = new Set<string>()
    for (const p of tree.keys()) {
      try { for (const i of await socketInodes(p)) inodes.add(i) } catch (err) { if (p === pid) throw err }
    }
    const found = new Map<string, Listener>()
    for (const table of ['tcp', 'tcp6']) {
      const listeners = parseListeners(readListenLines(`/proc/${pid}/net/${table}`))
      for (const [inode, l] of listeners) if (inodes.has(inode)) found.set(`${l.address} ${l.port}`, l)
    }
    return [...found.values()].sort((a, b) => a.port - b.port || a.address.localeCompare(b.address))
  } catch {
    return null
  }
}

/**
 * nginx's address for each port (`upstreamHostFor`), from the LISTEN lines of this host's /proc/net/tcp and tcp6 now.
 * Synchronous, as the upstream writer's own file writes are: a flush takes no turn of the event loop before it writes
 * (a `sup kill` right after `sup start` still finds the file written).
 */
export function readUpstreamHosts (): HostOf {
  const all: Listener[] = []
  // a table that cannot be read (IPv6 off) lists no listener
  for (const table of ['tcp', 'tcp6']) all.push(...parseListeners(readListenLines(`/proc/net/${table}`)).values())
  return (port) => upstreamHostFor(all, port)
}
