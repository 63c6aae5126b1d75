// The start handoff: a cold `sup start` spawns the daemon with fd 3 a socket pair to itself and `--handoff` in its
// arguments, and sends its POST /apps there as one JSON line, so that the workers spawn before the daemon's HTTP API
// is up. The daemon answers with JSON lines: `taken` once it acts on the request, then the API's answer with its
// GET /healthz answer; or it declines, and the CLI sends the request to the API as usual. Everything else goes over
// the API.
import type { AppSpecInput, HealthView } from './schemas.ts'

export const HANDOFF_FD = 3
export const HANDOFF_FLAG = '--handoff'

/** The CLI's line: its sup version (the daemon declines another), POST /apps' body and its `wait`. */
export interface HandedStart { version: string; spec: AppSpecInput; wait: boolean }

/**
 * The CLI's line instead, as it exits, when it never needed the daemon it spawned (a usage error, a missing script):
 * a daemon whose home has no app then exits, and no command leaves a daemon nobody asked for.
 */
export interface HandoffUnused { unused: string }

/** Whether a line the CLI sent is HandoffUnused. */
export function isHandoffUnused (value: unknown): value is HandoffUnused {
  return typeof value === 'object' && value !== null && typeof (value as { unused?: unknown }).unused === 'string'
}

/** The daemon's lines. */
export type HandedLine = { taken: true } | { status: number; body: unknown; health: HealthView } | { declined: string }
