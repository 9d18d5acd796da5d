/**
 * A small seeded pseudo-random number generator (mulberry32): the same seed gives the same
 * sequence of numbers in [0, 1). For reproducible generated data, sampling and tests; not for
 * anything secret (use node:crypto there).
 *
 * @example
 * ```ts
 * const random = mulberry32(42)
 * const roll = Math.floor(random() * 6) + 1
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
