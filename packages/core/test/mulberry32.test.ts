import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../src/internal/index.js'

describe('mulberry32', () => {
  it('repeats its sequence for a seed, in [0, 1), and differs between seeds', () => {
    const take = (seed: number) => {
      const random = mulberry32(seed)
      return Array.from({ length: 1_000 }, () => random())
    }
    const first = take(42)
    expect(take(42)).toEqual(first)
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true)
    expect(take(43)).not.toEqual(first)
    // Roughly uniform: the mean of 1,000 draws is near one half.
    expect(first.reduce((sum, value) => sum + value, 0) / first.length).toBeCloseTo(0.5, 1)
  })
})
