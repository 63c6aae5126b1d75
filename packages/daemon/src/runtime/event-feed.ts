// Event fan-out: every recorded event goes to the store and to the live subscribers (`sup events -f`, the API).
import type { EventView } from '@sup/protocol'
import type { Clock, EventRecord, StateStore } from '../core/ports.ts'
import { toEventView } from './app-view.ts'

export interface EventFeed {
  /** Hands an event already stored to every subscriber. */
  emitEvent (e: EventRecord): void
  /** Stores and emits an event of an app (instance null) or of one of its workers. */
  recordEvent (app: string, instance: number | null, type: string, reason: string, data: Record<string, unknown> | null): void
  /** Stores and emits an event of the app as a whole. */
  appEvent (app: string, type: string, reason: string, data?: Record<string, unknown> | null): void
  subscribe (fn: (e: EventView) => void): () => void
}

export interface EventFeedDeps {
  readonly clock: Clock
  readonly store: StateStore
  readonly onError: (err: unknown, where: string) => void
}

export function createEventFeed (deps: EventFeedDeps): EventFeed {
  const listeners = new Set<(e: EventView) => void>()
  const emitEvent = (e: EventRecord): void => { const v = toEventView(e); for (const l of listeners) l(v) }
  const recordEvent: EventFeed['recordEvent'] = (app, instance, type, reason, data) => {
    try { emitEvent(deps.store.addEvent({ time: deps.clock.wallNow(), app, instance, type, from: null, to: null, reason, data })) } catch (err) { deps.onError(err, `${app} event`) }
  }
  return {
    emitEvent,
    recordEvent,
    appEvent: (app, type, reason, data = null) => recordEvent(app, null, type, reason, data),
    subscribe (fn) { listeners.add(fn); return () => { listeners.delete(fn) } }
  }
}
