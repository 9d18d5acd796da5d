// The CSV renderer's garbage must die young, as the XLSX writer's does (xlsx-memory.test.ts):
// what survives V8's young-generation collections (scavenges) makes V8 grow the heap.
import { Writable } from 'node:stream'
import { median, scavengeSurvivals } from '@opskit/test-support'
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
    const survived = await scavengeSurvivals(() => createCsvRenderer().render(input, out))
    expect(bytes).toBeGreaterThan(100_000 * 20)
    expect(survived.length).toBeGreaterThanOrEqual(5)
    // Numbers written through String() sit in V8's number-to-string cache and survive the
    // scavenges that would otherwise free them.
    expect(median(survived)).toBeLessThan(32 * 1024)
  })
})
