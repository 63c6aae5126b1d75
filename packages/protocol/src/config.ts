// `sup config`: the daemon's settings as the API shows them (GET /daemon/config) and how one is changed.
import { Type, type Static } from 'typebox'

/** One setting: the value in effect, where it came from, and what config.json says. */
export const SettingView = Type.Object({
  key: Type.String(),
  /** The environment variable that overrides it for one daemon's life. */
  env: Type.String(),
  /** The value in effect (null: the default). */
  value: Type.Union([Type.String(), Type.Null()]),
  /** The default: the value in effect when neither the environment nor config.json sets one (null: none, off). */
  default: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  source: Type.Union([Type.Literal('env'), Type.Literal('config'), Type.Literal('default')]),
  /** What config.json holds for it (null: nothing). */
  configValue: Type.Union([Type.String(), Type.Null()]),
  /** True when a running daemon applies a change at once; false: at the next `sup daemon --restart`. */
  live: Type.Boolean(),
  /** True when config.json holds a value this daemon does not run with yet (not live, changed since it started). */
  pending: Type.Boolean(),
  help: Type.String()
}, { additionalProperties: false })
export type SettingView = Static<typeof SettingView>

export const ConfigView = Type.Object({ path: Type.String(), settings: Type.Array(SettingView) }, { additionalProperties: false })
export type ConfigView = Static<typeof ConfigView>

/** PUT /daemon/config/:key */
export const ConfigSetBody = Type.Object({ value: Type.String({ maxLength: 4096 }) }, { additionalProperties: false })
export type ConfigSetBody = Static<typeof ConfigSetBody>
export const ConfigKeyParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })

/** The answer to a set or unset: the setting after the change, and whether it took effect now. */
export const ConfigChange = Type.Object({
  setting: SettingView,
  /** 'now', 'restart' (at the next `sup daemon --restart`), or 'overridden' (the daemon's environment sets it). */
  effect: Type.Union([Type.Literal('now'), Type.Literal('restart'), Type.Literal('overridden')])
}, { additionalProperties: false })
export type ConfigChange = Static<typeof ConfigChange>
