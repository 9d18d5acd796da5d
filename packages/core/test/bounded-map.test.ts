import { describe, expect, it } from 'vitest'
import { setBounded } from '../src/internal/index.js'

describe('setBounded', () => {
  it('drops the oldest entries to stay within capacity', () => {
    const map = new Map<string, number>()
    for (const [i, key] of ['a', 'b', 'c', 'd'].entries()) setBounded(map, key, i, 3)
    expect([...map]).toEqual([
      ['b', 1],
      ['c', 2],
      ['d', 3],
    ])
  })

  it('moves a key set again to the newest position, so it is evicted last', () => {
    const map = new Map<string, number>()
    setBounded(map, 'a', 1, 2)
    setBounded(map, 'b', 2, 2)
    setBounded(map, 'a', 3, 2)
    setBounded(map, 'c', 4, 2)
    expect([...map]).toEqual([
      ['a', 3],
      ['c', 4],
    ])
  })
})
