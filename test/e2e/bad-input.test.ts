// e2e: bad input gets a clear error, a non-zero exit, and changes nothing.
import { describe, expect, it } from 'vitest'
import type { AppList } from '../../packages/protocol/src/index.ts'
import { EXAMPLES, freePortRange, markedPids, runSup, supJson, useSupHome } from '@sup/test-support'

describe('bad input', () => {
  it.each([
    ['a missing script', ['start', '/nonexistent/app.js'], /does not exist/],
    ['instances 0', ['start', `${EXAMPLES}/hello/server.js`, '-n', '0'], /instances/],
    ['instances -1', ['start', `${EXAMPLES}/hello/server.js`, '-n', '-1'], /instances/],
    ['instances x', ['start', `${EXAMPLES}/hello/server.js`, '-n', 'x'], /instances/],
    ['a port range of 70000', ['start', `${EXAMPLES}/hello/server.js`, '--port-range', '70000'], /port/i],
    ['a privileged range', ['start', `${EXAMPLES}/hello/server.js`, '--port-range', '80-90'], /1024/],
    ['an inverted range', ['start', `${EXAMPLES}/hello/server.js`, '--port-range', '9000-8000'], /inverted/],
    ['a negative delay', ['start', `${EXAMPLES}/hello/server.js`, '--restart-delay', '-5'], /restartDelay|restart-delay/],
    ['an unknown restart mode', ['start', `${EXAMPLES}/hello/server.js`, '--restart', 'sometimes'], /restart/],
    ['a memory limit in XB', ['start', `${EXAMPLES}/hello/server.js`, '--max-memory', '10XB'], /maxMemory.*10XB/],
    ['a negative CPU limit', ['start', `${EXAMPLES}/hello/server.js`, '--max-cpu', '-1'], /maxCpu.*-1/],
    ['a window of 6 of 5', ['start', `${EXAMPLES}/hello/server.js`, '--max-memory', '150M', '--over', '6/5'], /over.*6\/5/],
    ['a bad cron expression', ['start', `${EXAMPLES}/hello/server.js`, '--cron-restart', 'every night'], /cronRestart.*every night/],
    ['an out-of-range cron field', ['start', `${EXAMPLES}/hello/server.js`, '--cron-restart', '0 25 * * *'], /cronRestart/],
    ['an unknown app (stop)', ['stop', 'ghost'], /ghost/],
    ['an unknown app (scale)', ['scale', 'ghost', '2'], /ghost/],
    ['an unknown app (show)', ['show', 'ghost'], /ghost/],
    ['a misspelt option of list (its short path hands it to the whole program)', ['list', '--jsn'], /unknown option '--jsn'/]
  ])('%s', async (_name, args, message) => {
    const home = useSupHome()
    const ports = await freePortRange(1)
    expect((await runSup(home, ['start', `${EXAMPLES}/hello/server.js`, '--name', 'keep', '--port-range', ports.range])).code).toBe(0)
    const before = await supJson<AppList>(home, ['list'])

    const r = await runSup(home, args)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(message)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/) // a message, not a stack trace

    const after = await supJson<AppList>(home, ['list'])
    expect(after.apps.map((a) => [a.name, a.workers.map((w) => [w.pid, w.state])])).toEqual(before.apps.map((a) => [a.name, a.workers.map((w) => [w.pid, w.state])]))
    expect(markedPids(home)).toHaveLength(1)
  })
})
