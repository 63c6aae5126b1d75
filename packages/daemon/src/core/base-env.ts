// The small base environment that workers, npm installs and sup-logd start from: never the daemon's own variables.

/** Variables every process needs to behave like one started from a login shell (locale, time zone, temp dir). */
const BASE_KEYS: readonly string[] = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'TERM']

/** `LC_*` locale categories pass too. */
const LOCALE = /^LC_[A-Z_]+$/

/** PATH when the daemon's environment has none (systemd units run with a bare environment). */
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin'

/**
 * The base a worker (or npm, or sup-logd) gets from the daemon's environment: only BASE_KEYS and LC_*.
 * Secrets, NODE_PATH, NODE_OPTIONS and every SUP_* variable of the shell that started the daemon stay behind.
 */
export function baseEnvironment (env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue
    if (BASE_KEYS.includes(k) || LOCALE.test(k)) out[k] = v
  }
  out.PATH ??= DEFAULT_PATH
  return out
}
