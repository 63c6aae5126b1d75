// A worker tree's signal reaches each process once: the group at once, each marked process outside it on its own.
import { describe, expect, it } from 'vitest'
import { groupLeaders, signalTree } from '../../../src/adapters/tree-signal.ts'

/** A box of processes (pid -> group); kill(-g) reaches every process of group g. Counts what each pid received. */
function box (groups: Record<number, number>) {
  const received = new Map<number, string[]>()
  const deliver = (pid: number, signal: string): void => { received.set(pid, [...(received.get(pid) ?? []), signal]) }
  return {
    received,
    deps: {
      kill (pid: number, signal: string) {
        if (pid > 0) { if (pid in groups) deliver(pid, signal); return }
        for (const [p, g] of Object.entries(groups)) if (g === -pid) deliver(Number(p), signal)
      },
      groupOf: (pid: number) => groups[pid] ?? null
    }
  }
}

describe('signalTree', () => {
  it('signals the group, and only the marked processes that left it', () => {
    // 10: the worker (leads group 10); 11: a child in its group; 12: an unmarked child in its group; 20: a child that
    // called setsid (its own group); 30: a process of another tree that happens to share nothing
    const { received, deps } = box({ 10: 10, 11: 10, 12: 10, 20: 20, 30: 30 })
    signalTree([10], [10, 11, 20], 'SIGTERM', deps)
    expect(Object.fromEntries(received)).toEqual({ 10: ['SIGTERM'], 11: ['SIGTERM'], 12: ['SIGTERM'], 20: ['SIGTERM'] })
  })

  it('with no group to signal (the worker is gone, its pid maybe reused), signals each marked process', () => {
    const { received, deps } = box({ 11: 10, 20: 20, 10: 10 })
    signalTree([], [11, 20], 'SIGKILL', deps)
    expect(Object.fromEntries(received)).toEqual({ 11: ['SIGKILL'], 20: ['SIGKILL'] })
  })

  it('a marked process already gone (no group) is still sent the signal: kill ignores it', () => {
    const { received, deps } = box({ 10: 10 })
    signalTree([10], [10, 99], 'SIGTERM', deps)
    expect(Object.fromEntries(received)).toEqual({ 10: ['SIGTERM'] })
  })

  it("strays of several trees: each leader's group once, each marked process outside every group once", () => {
    // two strays' trees: 10 (+11 in its group), 40 (+41 in its group, 42 that left it); 50 marked, leads nothing
    const groups = { 10: 10, 11: 10, 40: 40, 41: 40, 42: 42, 50: 7 }
    const { received, deps } = box(groups)
    const marked = [10, 11, 40, 41, 42, 50]
    signalTree(groupLeaders(marked, deps.groupOf), marked, 'SIGTERM', deps)
    expect(Object.fromEntries(received)).toEqual({ 10: ['SIGTERM'], 11: ['SIGTERM'], 40: ['SIGTERM'], 41: ['SIGTERM'], 42: ['SIGTERM'], 50: ['SIGTERM'] })
  })
})
