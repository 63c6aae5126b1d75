// The TCP API's bearer token: $SUP_HOME/token (mode 0600, made when missing), compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs'

/** Reads the token file, creating it (32 random bytes, base64url, mode 0600) when missing; fixes a looser mode. */
export function ensureToken (path: string): string {
  try {
    const fd = openSync(path, 'wx', 0o600)
    try { writeSync(fd, `${randomBytes(32).toString('base64url')}\n`) } finally { closeSync(fd) }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
  const token = readFileSync(path, 'utf8').trim()
  if (token.length < 16) throw new Error(`${path} holds a token shorter than 16 characters; remove it and start the daemon again to get a new one`)
  return token
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest()

/**
 * A checker of `Authorization` headers. Both sides are hashed first, so timingSafeEqual compares equal-length
 * digests and the time taken does not depend on how much of the token is right (nor on its length).
 */
export function createTokenCheck (token: string): (header: string | undefined) => boolean {
  const want = digest(token)
  return (header) => {
    const m = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '')
    const ok = timingSafeEqual(digest(m?.[1] ?? ''), want)
    return ok && m !== null
  }
}
