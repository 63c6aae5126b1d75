// `sup kill` asks the daemon that answers; one that holds the home but does not listen yet (a handed `sup start`
// answers before the daemon's API opens) is waited for, not reported as "no daemon is running".
import { SupClientError, type SupClient } from '@sup/client'
import { describe, expect, it } from 'vitest'
import { askShutdown, type ShutdownDeps } from '../../src/commands/kill.ts'
import { scriptedClient } from './scripted-client.ts'

const unreachable = (): SupClientError => new SupClientError('SUP_ERR_DAEMON_UNREACHABLE', 'no daemon')

/** A client whose shutdown() plays a script of answers, then the last one forever. */
const fakeClient = (answers: Array<{ ok: boolean; pid: number | null } | Error>): SupClient & { calls: number } => scriptedClient('shutdown', answers)

const deps = (holder: number | undefined, alive = true, apiWaitMs = 2_000): ShutdownDeps => ({ holder: async () => holder, isAlive: () => alive, apiWaitMs, pollMs: 1 })

describe('askShutdown', () => {
  it('asks the daemon that answers', async () => {
    await expect(askShutdown(fakeClient([{ ok: true, pid: 7 }]), 7, deps(undefined))).resolves.toEqual({ ok: true, pid: 7 })
  })

  it('no answer and no live daemon holding the home: none runs', async () => {
    await expect(askShutdown(fakeClient([unreachable()]), undefined, deps(undefined))).resolves.toBeNull()
  })

  it('waits for a daemon that holds the home until it listens, then asks it', async () => {
    const client = fakeClient([unreachable(), unreachable(), unreachable(), { ok: true, pid: 42 }])
    await expect(askShutdown(client, 42, deps(42))).resolves.toEqual({ ok: true, pid: 42 })
    expect(client.calls).toBe(4)
  })

  it('says which daemon does not answer when it never listens', async () => {
    await expect(askShutdown(fakeClient([unreachable()]), 42, deps(42, true, 20))).rejects.toThrow(/The daemon \(pid 42\) holds \/h but does not answer/)
  })

  it('a holder that exits while waited for is stopped', async () => {
    await expect(askShutdown(fakeClient([unreachable()]), 42, deps(42, false))).resolves.toEqual({ ok: true, pid: null })
  })
})
