// Reads a release's package.json as untrusted input: no symlink, a bounded size, valid JSON, an object.
import { lstatSync, readFileSync } from 'node:fs'
import { SUP_ERR_BAD_PACKAGE } from '../errors.ts'

const MAX_PACKAGE_JSON = 1024 * 1024

/** The parsed package.json at the root of `dir`, or null when there is none. */
export function readPackageJson (dir: string): Record<string, unknown> | null {
  const path = `${dir}/package.json`
  let st
  try { st = lstatSync(path) } catch { return null }
  if (st.isSymbolicLink()) throw new SUP_ERR_BAD_PACKAGE('package.json is a symlink')
  if (!st.isFile()) throw new SUP_ERR_BAD_PACKAGE('package.json is not a regular file')
  if (st.size > MAX_PACKAGE_JSON) throw new SUP_ERR_BAD_PACKAGE(`package.json is larger than ${MAX_PACKAGE_JSON} bytes`)
  let value: unknown
  try { value = JSON.parse(readFileSync(path, 'utf8')) } catch (err) {
    throw new SUP_ERR_BAD_PACKAGE(`package.json is not valid JSON (${err instanceof Error ? err.message.slice(0, 200) : 'parse error'})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SUP_ERR_BAD_PACKAGE('package.json is not a JSON object')
  return value as Record<string, unknown>
}
