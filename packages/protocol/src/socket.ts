// Where a daemon listens: `<SUP_HOME>/sup.sock`, a unix socket path. Side-effect free: the CLI's every-command bundle
// and the client read it without loading anything else.

/** A unix socket path takes at most 107 bytes on Linux (sun_path's 108 with its NUL): SUP_HOME at most 98. */
export const MAX_SOCKET_PATH_BYTES = 107
