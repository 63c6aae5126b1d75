// The one registry of sup's error codes. A code is never reused; each appears in docs/errors.md.
import createError from '@fastify/error'

export const SUP_ERR_INVALID_INPUT = createError<[string]>('SUP_ERR_INVALID_INPUT', 'Invalid request: %s', 400)
export const SUP_ERR_INVALID_SPEC = createError<[string, string]>('SUP_ERR_INVALID_SPEC', 'Invalid %s: %s', 400)
export const SUP_ERR_SCRIPT_NOT_FOUND = createError<[string]>('SUP_ERR_SCRIPT_NOT_FOUND', "Script '%s' does not exist or is not a file", 400)
export const SUP_ERR_APP_NOT_FOUND = createError<[string]>('SUP_ERR_APP_NOT_FOUND', "App '%s' not found", 404)
export const SUP_ERR_APP_EXISTS = createError<[string]>('SUP_ERR_APP_EXISTS', "App '%s' already exists (use `sup restart`, `sup scale` or `sup delete` first)", 409)
export const SUP_ERR_APP_BUSY = createError<[string, string]>('SUP_ERR_APP_BUSY', "App '%s' is busy: %s", 409)
export const SUP_ERR_PORT_EXHAUSTED = createError<[string]>('SUP_ERR_PORT_EXHAUSTED', 'Port range exhausted: %s', 409)
export const SUP_ERR_ILLEGAL_TRANSITION = createError<[string, string]>('SUP_ERR_ILLEGAL_TRANSITION', "Illegal transition: event '%s' in state '%s'", 500)
export const SUP_ERR_STATE_WRITE = createError<[string]>('SUP_ERR_STATE_WRITE', 'Could not write state, nothing was changed: %s', 503)
export const SUP_ERR_SHUTTING_DOWN = createError('SUP_ERR_SHUTTING_DOWN', 'The daemon is shutting down', 503)
export const SUP_ERR_ROUTE_NOT_FOUND = createError<[string, string]>('SUP_ERR_ROUTE_NOT_FOUND', 'No route %s %s', 404)
export const SUP_ERR_INTERNAL = createError<[string]>('SUP_ERR_INTERNAL', 'Internal error: %s', 500)
export const SUP_ERR_DAEMON_RUNNING = createError<[string]>('SUP_ERR_DAEMON_RUNNING', 'A sup daemon is already running for %s', 409)
export const SUP_ERR_RELOAD_FAILED = createError<[string, string]>('SUP_ERR_RELOAD_FAILED', "Reload of '%s' stopped, the old workers keep serving: %s", 502)
