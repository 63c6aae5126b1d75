// $SUP_HOME/config.json: the daemon's settings on disk, read leniently and written atomically (temp file + rename, 0600).
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { settingDef } from './schema.ts'

/** What config.json holds: setting key -> value text. */
export type SettingsFile = Record<string, string>

export interface ReadResult {
  readonly values: SettingsFile
  /** False when there is no config.json yet (a first start, or one after an upgrade). */
  readonly exists: boolean
  /** Keys or values that were ignored, said in words (a hand-edited file). */
  readonly problems: string[]
}

/** Reads config.json; unknown keys and bad values are ignored and reported, never fatal (the daemon must start). */
export function readSettingsFile (path: string): ReadResult {
  let text: string
  try { text = readFileSync(path, 'utf8') } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { values: {}, exists: false, problems: [] }
    return { values: {}, exists: true, problems: [`cannot read ${path}: ${(err as Error).message}`] }
  }
  let raw: unknown
  try { raw = JSON.parse(text) } catch (err) { return { values: {}, exists: true, problems: [`${path} is not valid JSON (${(err as Error).message}); every setting has its default`] } }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { values: {}, exists: true, problems: [`${path} is not a JSON object`] }
  const values: SettingsFile = {}
  const problems: string[] = []
  for (const [key, v] of Object.entries(raw)) {
    const def = settingDef(key)
    if (def === undefined) { problems.push(`unknown key '${key}' ignored`); continue }
    try { values[key] = def.check(typeof v === 'string' ? v : JSON.stringify(v)) } catch (err) { problems.push(`${key}: ${(err as Error).message}; ignored`) }
  }
  return { values, exists: true, problems }
}

/** Writes config.json whole: a reader sees the old file or the new one, never half of one. */
export function writeSettingsFile (path: string, values: SettingsFile): void {
  const tmp = `${path}.${process.pid}.tmp`
  const sorted = Object.fromEntries(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)))
  try {
    const fd = openSync(tmp, 'w', 0o600)
    try {
      writeSync(fd, `${JSON.stringify(sorted, null, 2)}\n`)
      fsyncSync(fd)
    } finally { closeSync(fd) }
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}
