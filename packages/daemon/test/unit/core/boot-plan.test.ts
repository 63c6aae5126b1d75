// planBoot: what a new daemon does with each stored worker, as a table.
import { describe, expect, it } from 'vitest'
import { planBoot, type BootAction, type BootApp } from '../../../src/core/boot-plan.ts'
import type { WorkerState } from '../../../src/core/worker-state.ts'

const RUNNING: BootApp = { name: 'api', instances: 2, desired: 'running' }
const STOPPED: BootApp = { ...RUNNING, desired: 'stopped' }

describe('planBoot', () => {
  it.each<[string, BootApp, number, WorkerState, boolean, BootAction[]]>([
    ['adopted online worker of a running app', RUNNING, 0, 'online', true, ['adopt', 'leave']],
    ['adopted starting worker keeps waiting for its port', RUNNING, 0, 'starting', true, ['adopt', 'leave']],
    ['dead worker now in backoff starts at once', RUNNING, 0, 'backoff', false, ['start']],
    ['stopped worker of a running app starts', RUNNING, 1, 'stopped', false, ['start']],
    ['errored worker waits for retryIn', RUNNING, 0, 'errored', false, ['leave']],
    ['exited worker stays exited', RUNNING, 0, 'exited', false, ['leave']],
    ['a stop in flight (adopted) is finished, then started', RUNNING, 0, 'stopping', true, ['adopt', 'finish-stop-then-start']],
    ['worker of a stopped app is stopped, adopted or not', STOPPED, 0, 'online', true, ['adopt', 'stop']],
    ['backoff worker of a stopped app is stopped', STOPPED, 1, 'backoff', false, ['stop']],
    ['a worker past the instance count finishes the scale down', RUNNING, 2, 'online', true, ['adopt', 'finish-scale-down']],
    ['past the count of a stopped app: still scaled down', STOPPED, 3, 'stopped', false, ['finish-scale-down']]
  ])('%s', (_what, app, instance, state, alive, actions) => {
    expect(planBoot([app], [{ app: 'api', instance, state, alive }])).toEqual([{ app: 'api', instance, actions }])
  })

  it('plans no worker of an app that is not stored', () => {
    expect(planBoot([RUNNING], [{ app: 'gone', instance: 0, state: 'online', alive: true }])).toEqual([])
  })
})
