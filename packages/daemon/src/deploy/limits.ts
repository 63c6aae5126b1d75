// Deploy limits: what one upload may weigh, unpack to and contain. Defaults, overridable by SUP_DEPLOY_* env.
import { parseBytes, parseCount, parseDurationMs } from '../core/units.ts'

export interface DeployLimits {
  /** Uploaded (compressed) bytes. */
  readonly maxBodyBytes: number
  /** Decompressed tar stream bytes (bounds a gzip bomb). */
  readonly maxUnpackedBytes: number
  /** Entries in the archive (files, directories, links). */
  readonly maxEntries: number
  /** Path segments of one entry. */
  readonly maxDepth: number
  /** How long `npm ci`/`npm install` may run. */
  readonly installTimeoutMs: number
  /** An upload that sends nothing for this long is cut (its deploy lock freed). */
  readonly uploadIdleTimeoutMs: number
}

export const DEFAULT_DEPLOY_LIMITS: DeployLimits = {
  maxBodyBytes: 200 * 1024 ** 2,
  maxUnpackedBytes: 1024 ** 3,
  maxEntries: 100_000,
  maxDepth: 64,
  installTimeoutMs: 5 * 60_000,
  uploadIdleTimeoutMs: 30_000
}

/** Limits from SUP_DEPLOY_MAX_BODY / _MAX_UNPACKED (sizes: 200M, 1G), _MAX_ENTRIES, _MAX_DEPTH, _INSTALL_TIMEOUT (5m), _UPLOAD_IDLE_TIMEOUT (30s). */
export function loadDeployLimits (env: Readonly<Record<string, string | undefined>>): DeployLimits {
  const pick = <T>(name: string, parse: (v: string) => T | undefined, fallback: T): T => {
    const raw = env[name]
    if (raw === undefined || raw.trim() === '') return fallback
    const v = parse(raw)
    if (v === undefined || v === 0) throw new Error(`${name}='${raw}' is not a valid positive value`)
    return v
  }
  const d = DEFAULT_DEPLOY_LIMITS
  return {
    maxBodyBytes: pick('SUP_DEPLOY_MAX_BODY', parseBytes, d.maxBodyBytes),
    maxUnpackedBytes: pick('SUP_DEPLOY_MAX_UNPACKED', parseBytes, d.maxUnpackedBytes),
    maxEntries: pick('SUP_DEPLOY_MAX_ENTRIES', parseCount, d.maxEntries),
    maxDepth: pick('SUP_DEPLOY_MAX_DEPTH', parseCount, d.maxDepth),
    installTimeoutMs: pick('SUP_DEPLOY_INSTALL_TIMEOUT', parseDurationMs, d.installTimeoutMs),
    uploadIdleTimeoutMs: pick('SUP_DEPLOY_UPLOAD_IDLE_TIMEOUT', parseDurationMs, d.uploadIdleTimeoutMs)
  }
}
