import { describe, expect, it } from 'vitest'
import { deleteInBatches } from '../src/internal/index.js'

/**
 * A table of `rows` rows whose deletes "take" `msPerRow` each on a fake clock (no wall time, so
 * the sizes are the same on a loaded machine); records each batch's size and whether writers
 * were waiting when it started.
 */
function fakeTable(rows: number, msPerRow: number) {
  let left = rows
  let clock = 0
  const batches: Array<{ limit: number; writersWaiting: boolean }> = []
  let waiting = false
  return {
    batches,
    setWaiting: (value: boolean) => {
      waiting = value
    },
    now: () => clock,
    writersWaiting: () => waiting,
    async deleteBatch(limit: number) {
      batches.push({ limit, writersWaiting: waiting })
      const deleted = Math.min(left, limit)
      left -= deleted
      clock += deleted * msPerRow
      return deleted
    },
  }
}

describe('deleteInBatches with writersWaiting', () => {
  it('sizes each batch started while writers wait to the busy target, then grows back', async () => {
    // 0.01 ms per row: 200 rows fill the 2 ms busy target; idle batches double while under half
    // of the 20 ms target, so they settle at 1,000
    const table = fakeTable(40_000, 0.01)
    let calls = 0
    const deleted = await deleteInBatches(
      async (limit) => {
        calls++
        table.setWaiting(calls >= 4 && calls < 12) // writers arrive after the third batch, leave after the 11th
        return table.deleteBatch(limit)
      },
      { now: table.now, targetBatchMs: 20, writersWaiting: table.writersWaiting },
    )
    expect(deleted).toBe(40_000)
    const sizes = table.batches.map((batch) => batch.limit)
    expect(sizes.slice(0, 4)).toEqual([500, 1_000, 1_000, 1_000]) // idle: doubled once, then within target
    // the check runs before each batch: batches 5–12 start with writers waiting, sized to 2 ms
    expect(sizes.slice(4, 12)).toEqual(Array(8).fill(200))
    expect(sizes.slice(12, 16)).toEqual([400, 800, 1_600, 1_600]) // writers gone: back to ~20 ms
    expect(Math.max(...sizes)).toBe(1_600)
  })

  it('starts at minBatch when writers already wait before the first batch, and honours busyTargetBatchMs', async () => {
    const table = fakeTable(5_000, 0.01)
    table.setWaiting(true)
    await deleteInBatches((limit) => table.deleteBatch(limit), {
      now: table.now,
      minBatch: 50,
      busyTargetBatchMs: 5,
      writersWaiting: table.writersWaiting,
    })
    const sizes = table.batches.map((batch) => batch.limit)
    expect(sizes[0]).toBe(50)
    expect(sizes.slice(1, 5)).toEqual([500, 500, 500, 500]) // 5 ms at 0.01 ms per row
  })

  it('without writersWaiting, batches keep aiming at targetBatchMs (the contract other packages rely on)', async () => {
    const table = fakeTable(20_000, 0.01)
    table.setWaiting(true) // nobody asks
    await deleteInBatches((limit) => table.deleteBatch(limit), { now: table.now, targetBatchMs: 20 })
    expect(table.batches.map((batch) => batch.limit).slice(0, 5)).toEqual([500, 1_000, 1_000, 1_000, 1_000])
  })
})
