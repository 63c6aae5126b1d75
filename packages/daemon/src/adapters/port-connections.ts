// The TCP connections of some local ports now, read from /proc/net/tcp and tcp6 (Linux): a reload's "let go" signal.
import { readdir, readFile, readlink } from 'node:fs/promises'
import type { PortActivity } from '../core/ports.ts'

/** LISTEN, TIME_WAIT and CLOSE are no live connection; every other state is. */
const NOT_OPEN = new Set(['0A', '06', '07'])

const portOf = (addr: string): number => Number.parseInt(addr.slice(addr.lastIndexOf(':') + 1), 16)

/** The connections of a /proc/net/tcp text that have one of `ports` at either end (a worker's side, or nginx's). */
export function parseActivity (procNetTcp: string, ports: ReadonlySet<number>): PortActivity {
  let open = 0
  const keys = new Set<string>()
  // the file can hold tens of thousands of TIME_WAIT lines under load: only lines naming a port are split
  const hexes = [...ports].map((p) => `:${p.toString(16).toUpperCase().padStart(4, '0')} `)
  for (const line of procNetTcp.split('\n')) {
    if (!hexes.some((h) => line.includes(h))) continue
    const f = line.trim().split(/\s+/)
    const [, local, remote, state] = f
    if (local === undefined || remote === undefined || state === undefined || state === '0A') continue
    if (!ports.has(portOf(local)) && !ports.has(portOf(remote))) continue
    keys.add(`${local}>${remote}`)
    if (!NOT_OPEN.has(state)) open++
  }
  return { open, keys }
}

/** Live connections of `ports` and the identity of every connection (a TIME_WAIT one too) they had lately. */
export async function portActivity (ports: readonly number[]): Promise<PortActivity> {
  const set = new Set(ports)
  const all: PortActivity = { open: 0, keys: new Set() }
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const a = parseActivity(await readFile(file, 'utf8').catch(() => ''), set)
    all.open += a.open
    for (const k of a.keys) all.keys.add(k)
  }
  return all
}

/** The socket inodes of connections whose REMOTE end is one of `ports` (the client side: nginx's upstream connections). */
export function clientInodes (procNetTcp: string, ports: ReadonlySet<number>): Set<string> {
  const out = new Set<string>()
  const hexes = [...ports].map((p) => `:${p.toString(16).toUpperCase().padStart(4, '0')} `)
  for (const line of procNetTcp.split('\n')) {
    if (!hexes.some((h) => line.includes(h))) continue
    const f = line.trim().split(/\s+/)
    const remote = f[2]
    const inode = f[9]
    if (remote === undefined || inode === undefined || inode === '0' || f[3] === '0A') continue
    if (ports.has(portOf(remote))) out.add(inode)
  }
  return out
}

/**
 * The pids of nginx processes holding a connection to one of `ports`: the nginx workers that proxy to those
 * workers now. Empty when none does, or when /proc/<pid>/fd cannot be read (nginx workers of another user).
 */
export async function nginxWorkersUsing (ports: readonly number[]): Promise<number[]> {
  const set = new Set(ports)
  const inodes = new Set<string>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) for (const i of clientInodes(await readFile(file, 'utf8').catch(() => ''), set)) inodes.add(i)
  if (inodes.size === 0) return []
  const pids: number[] = []
  for (const d of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(d)) continue
    const comm = (await readFile(`/proc/${d}/comm`, 'utf8').catch(() => '')).trim()
    if (comm !== 'nginx') continue
    const fds = await readdir(`/proc/${d}/fd`).catch(() => [])
    for (const fd of fds) {
      const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${d}/fd/${fd}`).catch(() => ''))
      if (m?.[1] !== undefined && inodes.has(m[1])) { pids.push(Number(d)); break }
    }
  }
  return pids
}
