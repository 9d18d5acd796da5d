// The CSV renderer's garbage must die young, as the XLSX writer's does (xlsx-memory.test.ts):
// what survives V8's young-generation collections (scavenges) makes V8 grow the heap.
import { Writable } from 'node:stream'
import { GCProfiler, type HeapSpaceStatistics } from 'node:v8'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineReport } from '../src/index.js'
import { createCsvRenderer } from '../src/render/csv-renderer.js'
import { createRenderInput } from '../src/runner/render-input.js'

const definition = defineReport({
  name: 'memory',
  title: 'Memory',
  params: z.object({}),
  columns: [
    { key: 'id', header: 'id', type: 'integer' },
    { key: 'amount', header: 'amount', type: 'decimal' },
    { key: 'quantity', header: 'quantity', type: 'integer' },
    { key: 'day', header: 'day', type: 'date' },
    { key: 'name', header: 'name', type: 'string' },
  ],
  query: () => (async function* () {})(),
})

/** Distinct numbers in every row, as an export has them (ids, amounts). */
async function* rows(count: number) {
  for (let i = 1; i <= count; i++) {
    yield { id: i, amount: i * 1.37 + 0.01, quantity: i * 7, day: '2026-03-01', name: `n${i % 97}` }
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number

function usedBytes(spaces: HeapSpaceStatistics[], name: string): number {
  return spaces.find((space) => space.spaceName === name)?.spaceUsedSize ?? 0
}

describe('CSV renderer memory', () => {
  it('leaves next to nothing alive across the collections V8 runs by itself', async () => {
    const input = createRenderInput({
      definition,
      params: {},
      rows: rows(100_000),
      generatedAt: new Date('2026-06-01T08:00:00Z'),
      locale: 'en-US',
      timeZone: 'UTC',
    })
    let bytes = 0
    const out = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        bytes += chunk.length
        callback()
      },
    })
    const profiler = new GCProfiler()
    profiler.start()
    await createCsvRenderer().render(input, out)
    const { statistics } = profiler.stop()
    expect(bytes).toBeGreaterThan(100_000 * 20)
    // Bytes a scavenge kept: what is left in the young generation plus what it promoted.
    const survived = statistics
      .filter((gc) => gc.gcType === 'Scavenge')
      .map(
        (gc) =>
          usedBytes(gc.afterGC.heapSpaceStatistics, 'new_space') +
          usedBytes(gc.afterGC.heapSpaceStatistics, 'old_space') -
          usedBytes(gc.beforeGC.heapSpaceStatistics, 'old_space'),
      )
    expect(survived.length).toBeGreaterThanOrEqual(5)
    // Numbers written through String() sit in V8's number-to-string cache and survive the
    // scavenges that would otherwise free them.
    expect(median(survived)).toBeLessThan(32 * 1024)
  })
})
