// The one place sup's version lives in code (`pnpm set-version X` also writes every package.json), and the API's own version.
/** The release: `sup --version`, the daemon's /healthz, the packed packages. */
export const SUP_VERSION = '0.2.0'
/**
 * The version of the API between the CLI and the daemon. Bumped when a change breaks a CLI talking to a daemon of
 * another release (or the reverse); the CLI refuses a daemon that answers another one (or none, as 0.1.0 did).
 */
export const PROTOCOL_VERSION = 1
