// A small hand-written tar writer for tests: forged entries (.., absolute, links, FIFOs…) built in memory.
import { gzipSync } from 'node:zlib'

export interface TarEntry {
  readonly name: string
  /** '0' file, '1' hard link, '2' symlink, '3' char device, '5' directory, '6' FIFO. */
  readonly type?: '0' | '1' | '2' | '3' | '4' | '5' | '6'
  readonly body?: string | Buffer
  readonly mode?: number
  readonly linkname?: string
  readonly uid?: number
}

function octal (n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0'
}

/** One 512-byte ustar header (checksum computed). */
function header (name: string, type: string, size: number, mode: number, linkname: string, uid: number): Buffer {
  const h = Buffer.alloc(512)
  h.write(name.slice(0, 100), 0, 'utf8')
  h.write(octal(mode, 8), 100)
  h.write(octal(uid, 8), 108)
  h.write(octal(uid, 8), 116)
  h.write(octal(size, 12), 124)
  h.write(octal(1_700_000_000, 12), 136)
  h.write('        ', 148)
  h.write(type, 156)
  h.write(linkname.slice(0, 100), 157, 'utf8')
  h.write('ustar\0', 257)
  h.write('00', 263)
  let sum = 0
  for (const b of h) sum += b
  h.write(octal(sum, 7) + ' ', 148)
  return h
}

function pad (b: Buffer): Buffer {
  const rest = b.length % 512
  return rest === 0 ? b : Buffer.concat([b, Buffer.alloc(512 - rest)])
}

/** A pax extended header carrying a long path and/or linkpath. */
function pax (path: string, linkpath: string | undefined): Buffer {
  const rec = (k: string, v: string): string => {
    const body = ` ${k}=${v}\n`
    let len = body.length + 1
    while (`${len}${body}`.length !== len) len = `${len}${body}`.length
    return `${len}${body}`
  }
  const data = Buffer.from(rec('path', path) + (linkpath === undefined ? '' : rec('linkpath', linkpath)))
  return Buffer.concat([header('PaxHeader', 'x', data.length, 0o644, '', 0), pad(data)])
}

/** The bytes of one entry (a pax header first when a name is longer than 100 bytes). */
export function tarEntry (e: TarEntry): Buffer {
  const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body)
  const type = e.type ?? '0'
  const long = Buffer.byteLength(e.name) > 100 || Buffer.byteLength(e.linkname ?? '') > 100
  const parts = [
    ...(long ? [pax(e.name, e.linkname)] : []),
    header(e.name, type, type === '0' ? body.length : 0, e.mode ?? (type === '5' ? 0o755 : 0o644), e.linkname ?? '', e.uid ?? 0)
  ]
  if (type === '0' && body.length > 0) parts.push(pad(body))
  return Buffer.concat(parts)
}

/** The end of an archive: two zero blocks. */
export const TAR_END = Buffer.alloc(1024)

/** A whole tar (uncompressed). */
export function tar (entries: readonly TarEntry[]): Buffer {
  return Buffer.concat([...entries.map(tarEntry), TAR_END])
}

/** A whole tar.gz. */
export function tarGz (entries: readonly TarEntry[]): Buffer {
  return gzipSync(tar(entries))
}
