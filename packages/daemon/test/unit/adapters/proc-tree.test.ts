// Process trees from a parent map: a worker and every descendant, however deep; a gone root has none.
import { describe, expect, it } from 'vitest'
import { descendantsOf } from '../../../src/adapters/proc-tree.ts'

describe('descendantsOf', () => {
  it('collects children and grandchildren of each root, and only theirs', () => {
    const parents = new Map([[1, 0], [10, 1], [11, 10], [12, 11], [13, 10], [20, 1], [21, 20], [30, 1]])
    const trees = descendantsOf([10, 20, 99], parents)
    expect(trees.get(10)?.sort((a, b) => a - b)).toEqual([10, 11, 12, 13])
    expect(trees.get(20)?.sort((a, b) => a - b)).toEqual([20, 21])
    expect(trees.get(99)).toEqual([])
  })

  it('terminates on a cycle (a pid reused while /proc was read)', () => {
    expect(descendantsOf([5], new Map([[5, 6], [6, 5]])).get(5)?.sort()).toEqual([5, 6])
  })
})
