// The daemon's side of the start handoff (adapters/start-handoff.ts, http/handed-start.ts): a request a cold
// `sup start` handed over is answered as POST /apps would be, and decides when the daemon may open its API.
import type { Logger } from 'pino'
import { isHandoffUnused } from '@sup/protocol/handoff'
import type { HandoffChannel } from './adapters/start-handoff.ts'
import { answerHandedStart, startRouteChecks, type HandedStartDeps } from './http/handed-start.ts'
import { VERSION } from './version.ts'

/** How long the API waits for a handed request that has not come yet (the CLI sends it ~0.1 s after the spawn). */
const HANDOFF_WAIT_MS = 2_000
/** How long the API waits, at most, for a handed start to be answered (its workers online). */
const HANDED_START_FIRST_MS = 1_000

export interface HandoffServiceDeps {
  readonly createApp: HandedStartDeps['createApp']
  readonly health: HandedStartDeps['health']
  readonly log: Logger
  /** The CLI that spawned this daemon ended without needing it (HandoffUnused): why, as it said. */
  readonly notNeeded: (why: string) => void
}

/** The CLI's HandoffUnused line, or null for any other line. */
function unusedWhy (text: string): string | null {
  try {
    const value: unknown = JSON.parse(text)
    return isHandoffUnused(value) ? value.unused : null
  } catch { return null }
}

/**
 * Answers the handed request. Resolves when the API may open: at once when the request is declined or none came
 * (within HANDOFF_WAIT_MS); when it is taken, once it is answered or HANDED_START_FIRST_MS after. So the app of the
 * command that spawned this daemon is created before any other request is served, and its workers boot before the
 * daemon spends ~0.1 s of CPU loading its API.
 */
export function serveHandoff (handoff: HandoffChannel, deps: HandoffServiceDeps): Promise<void> {
  return new Promise((resolve) => {
    let isOpen = false
    const open = (): void => { isOpen = true; resolve() }
    let timer = setTimeout(open, HANDOFF_WAIT_MS)
    const openIn = (ms: number): void => { clearTimeout(timer); timer = setTimeout(open, ms) }
    void handoff.request.then(async (text) => {
      if (text === null) return openIn(0)
      const unused = unusedWhy(text)
      // only while the API is not open: until then no other command can have used this daemon
      if (unused !== null) { if (!isOpen) deps.notNeeded(unused); return openIn(0) }
      const answer = await answerHandedStart(text, {
        version: VERSION,
        checks: startRouteChecks(),
        createApp: deps.createApp,
        health: deps.health,
        onTaken: () => {
          handoff.send({ taken: true })
          deps.log.info('start request taken from the CLI that spawned this daemon')
          openIn(HANDED_START_FIRST_MS)
        },
        onInternalError: (err) => { deps.log.error({ err }, 'unhandled error (a start request handed over)') }
      })
      if ('declined' in answer) deps.log.info({ why: answer.declined }, 'start request handed over and declined: the CLI sends it to the API')
      handoff.send(answer, true)
      openIn(0)
    })
  })
}
