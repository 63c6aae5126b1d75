// What a PM2 user types and sup spells otherwise: the hint printed under commander's "unknown command/option" error.
import { describe, expect, it } from 'vitest'
import { pm2Hint } from '../../src/pm2-hints.ts'

describe('pm2Hint', () => {
  it.each([
    ["error: unknown command 'save'\n(Did you mean scale?)\n", /nothing to do: sup stores every change at once/],
    ["error: unknown command 'resurrect'\n", /a new daemon brings every app back/],
    ["error: unknown command 'status'\n", /`sup list`/],
    ["error: unknown command 'jlist'\n", /`sup list --json`/],
    ["error: unknown command 'describe'\n", /`sup show <app>`/],
    ["error: unknown command 'sendSignal'\n", /`sup signal <SIGNAL> <app\[:i\]>`/],
    ["error: unknown command 'update'\n", /`sup daemon --restart`/],
    ["error: unknown command 'updatePM2'\n", /`sup daemon --restart`/],
    ["error: unknown command 'cleardump'\n", /nothing to do/],
    ["error: unknown command 'ping'\n", /`sup list`: it starts the daemon/],
    ["error: unknown command 'pid'\n", /`sup show <app> --json`/],
    ["error: unknown command 'reset'\n(Did you mean one of delete, restart?)\n", /no counters to reset/],
    ["error: unknown command 'unstartup'\n", /systemctl disable --now sup/],
    ["error: unknown command 'install'\n", /no pm2-logrotate/],
    ["error: unknown command 'ecosystem'\n", /`sup start ecosystem\.config\.js`/],
    ["error: unknown command 'trigger'\n", /`sup signal <SIGNAL> <app\[:i\]>`/],
    ["error: unknown option '-i'\n", /PM2's -i is sup's `-n <n>`/],
    ["error: unknown option '--nostream'\n(Did you mean --no-follow?)\n", /`--no-follow`/],
    ["error: unknown option '--no-autorestart'\n", /`--restart never`/],
    ["error: unknown option '--max-memory-restart'\n", /`--max-memory <size>`/],
    ["error: unknown option '--cron'\n", /`--cron-restart <expr>`/],
    ["error: unknown option '--time'\n", /every line of a log carries its time: `sup logs --time` shows it/],
    ["error: unknown option '--timestamp'\n", /PM2's --timestamp is `sup logs --time`/],
    ["error: unknown option '-o'\n", /logs\/<app>-<i>\.log/],
    ["error: unknown option '--max-memory-restart=300M'\n", /`--max-memory <size>`/],
    ["error: unknown option '--ignore-watch=node_modules'\n", /`--watch-ignore <pattern>`/],
    ["error: unknown option '--interpreter-args'\n", /`--node-args <args>`/],
    ["error: unknown option '--exec-mode=cluster'\n", /`-n <n>` runs n separate workers, each on its own PORT/],
    ["error: unknown option '--no-pmx'\n", /sup injects nothing into apps/]
  ])('%j', (error, hint) => {
    expect(pm2Hint(error)).toMatch(hint)
    expect(pm2Hint(error)).toMatch(/^hint: .*\(docs\/pm2\.md\)\n$/)
  })

  it('says nothing of an error PM2 has no word for', () => {
    expect(pm2Hint("error: unknown command 'frobnicate'\n")).toBe('')
    expect(pm2Hint("error: unknown option '--frob'\n")).toBe('')
    expect(pm2Hint("error: missing required argument 'target'\n")).toBe('')
    expect(pm2Hint("error: unknown command 'constructor'\n")).toBe('')
  })
})
