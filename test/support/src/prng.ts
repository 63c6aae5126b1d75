// A seeded PRNG (mulberry32) for randomized tests: the same seed gives the same sequence, so a failure replays.

/** A random source in [0, 1), like Math.random, but reproducible from its seed. */
export type Random = () => number

/** mulberry32: 32 bits of state, good enough to draw test operations (not for anything secret). */
export function mulberry32 (seed: number): Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** An integer in [min, max], both included. */
export function randomInt (rand: Random, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1))
}

/** One of `items` (non-empty), uniformly. */
export function pick<T> (rand: Random, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)]
  if (item === undefined) throw new Error('pick: no items')
  return item
}

/** One key of `weights`, with probability proportional to its weight (weights > 0 sum). */
export function pickWeighted<K extends string> (rand: Random, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as Array<[K, number]>
  const total = entries.reduce((s, [, w]) => s + w, 0)
  let at = rand() * total
  for (const [k, w] of entries) {
    at -= w
    if (at < 0) return k
  }
  const last = entries[entries.length - 1]
  if (last === undefined) throw new Error('pickWeighted: no weights')
  return last[0]
}

/**
 * The seeds to run: `value` is a seed, a comma-separated list of seeds, or "random" (one fresh seed,
 * printed by the caller so it can be replayed); unset or empty gives `defaults`.
 */
export function parseSeeds (value: string | undefined, defaults: readonly number[], fresh: () => number = () => Math.floor(Math.random() * 2 ** 32)): number[] {
  if (value === undefined || value.trim() === '') return [...defaults]
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    if (s === 'random') return fresh() >>> 0
    const n = Number(s)
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new Error(`seed '${s}' must be an integer from 0 to 2^32-1 or "random"`)
    return n
  })
}
