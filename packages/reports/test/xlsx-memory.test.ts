// The XLSX writer's garbage must die young: what survives V8's young-generation collections
// (scavenges) is what makes V8 grow the heap, and so the process's resident memory.
import { Writable } from 'node:stream'
import { createScavengeProbe, median, scavengeSurvivals } from '@opskit/test-support'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineReport } from '../src/index.js'
import { createRenderInput } from '../src/runner/render-input.js'
import { numberText } from '../src/xlsx/spreadsheet-ml.js'
import { Utf8Chunker } from '../src/xlsx/utf8-chunker.js'
import { createXlsxRenderer } from '../src/xlsx/xlsx-renderer.js'

const definition = defineReport({
  name: 'memory',
  title: 'Memory',
  params: z.object({}),
  columns: [
    { key: 'id', header: 'id', type: 'integer' },
    { key: 'amount', header: 'amount', type: 'decimal' },
    { key: 'at', header: 'at', type: 'datetime' },
    { key: 'day', header: 'day', type: 'date' },
    { key: 'name', header: 'name', type: 'string' },
  ],
  query: () => (async function* () {})(),
})

/**
 * Distinct numbers in every row, as an export has them (ids, amounts, instants); `beforeRow`
 * runs before each row is handed out.
 */
async function* rows(count: number, beforeRow?: (index: number) => void) {
  for (let i = 1; i <= count; i++) {
    beforeRow?.(i)
    yield {
      id: i,
      amount: i * 1.37 + 0.01,
      at: Date.UTC(2026, 0, 1) + i * 61_001,
      day: '2026-03-01',
      name: `n${i % 97}`,
    }
  }
}

async function renderDiscarding(source: AsyncIterable<Record<string, unknown>>): Promise<void> {
  const input = createRenderInput({
    definition,
    params: {},
    rows: source,
    generatedAt: new Date('2026-06-01T08:00:00Z'),
    locale: 'en-US',
    timeZone: 'UTC',
  })
  await createXlsxRenderer().render(
    input,
    new Writable({ write: (_chunk, _encoding, callback) => callback() }),
  )
}

describe('XLSX writer memory', () => {
  it('holds next to nothing in the young generation between rows', async () => {
    // A young-generation collection forced between rows keeps what the writer holds between
    // rows (plus what it promotes): the row's own strings, not the text of the rows before it.
    const scavenge = createScavengeProbe()
    const survived: number[] = []
    await renderDiscarding(
      rows(20_000, (index) => {
        if (index % 25 === 0) survived.push(scavenge())
      }),
    )
    expect(survived).toHaveLength(800)
    // Measured: ~1 KB. Accumulating the XML of many rows in one string before encoding it
    // (64K characters per chunk) keeps ~60 KB alive here.
    expect(median(survived)).toBeLessThan(8 * 1024)
  })

  it('leaves next to nothing alive across the collections V8 runs by itself', async () => {
    const survived = await scavengeSurvivals(() => renderDiscarding(rows(100_000)))
    expect(survived.length).toBeGreaterThanOrEqual(5)
    // Measured: ~3 KB. Numbers written through template literals sit in V8's number-to-string
    // cache and survive: ~250 KB per scavenge, enough for V8 to double its young generation.
    expect(median(survived)).toBeLessThan(32 * 1024)
  })
})

describe('XLSX writer buffers', () => {
  it('keeps next to no dead buffers outside the JS heap between collections', async () => {
    // Chunks of XML and of compressed bytes live outside the JS heap and are freed only when a
    // collection finds their Buffer dead; the peak of that memory is resident memory.
    const baseline = process.memoryUsage().arrayBuffers
    let peak = 0
    await renderDiscarding(
      rows(50_000, (index) => {
        if (index % 10 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline)
      }),
    )
    // Measured: 160-185 KB with two recycled 16 KB XML buffers and 16 KB compressed chunks; a
    // fresh 64 KB buffer per chunk (XML and compressed) left 1.2-1.3 MB dead between collections.
    expect(peak).toBeLessThan(512 * 1024)
  })
})

describe('Utf8Chunker', () => {
  it('hands out the bytes Buffer.from gives, a piece longer than a chunk in a larger one', () => {
    const pieces = [
      '',
      'a',
      'ü',
      '🎟️',
      '<c r="A1"><v>1</v></c>',
      'x'.repeat(5_000),
      'é'.repeat(9_000),
      '€'.repeat(21_845),
    ]
    let seed = 3
    const text: string[] = []
    for (let i = 0; i < 3_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      text.push(pieces[Math.floor(seed / 2 ** 16) % pieces.length] as string)
    }
    const size = 16 * 1024
    const chunker = new Utf8Chunker({ size })
    const chunks: Buffer[] = []
    for (const piece of text) {
      const full = chunker.push(piece)
      if (full) chunks.push(full)
    }
    chunks.push(chunker.take())
    expect(Buffer.concat(chunks).equals(Buffer.from(text.join(''), 'utf8'))).toBe(true)
    // Only chunks holding a piece whose worst case (3 bytes per UTF-16 unit) exceeds a chunk are larger.
    const larger = chunks.filter((chunk) => chunk.length > size)
    expect(larger.length).toBeGreaterThan(0)
    expect(larger.length).toBeLessThanOrEqual(text.filter((piece) => piece.length * 3 > size).length)
  })

  it('recycles two buffers: a chunk stays intact until the next one is handed out', () => {
    const chunker = new Utf8Chunker({ size: 64, recycle: true })
    const homes = new Set<ArrayBuffer>()
    let previous: { chunk: Buffer; copy: Buffer } | undefined
    let text = ''
    const out: Buffer[] = []
    for (let i = 0; i < 500; i++) {
      const piece = i % 50 === 0 ? `<${'ü'.repeat(40)}>` : `<c r="A${i}"/>`
      text += piece
      const chunk = chunker.push(piece)
      if (!chunk) {
        // The latest chunk stays intact while text only fills the next one.
        if (previous) expect(previous.chunk.equals(previous.copy)).toBe(true)
        continue
      }
      if (chunk.length <= 64) homes.add(chunk.buffer as ArrayBuffer)
      previous = { chunk, copy: Buffer.from(chunk) }
      out.push(previous.copy)
    }
    out.push(Buffer.from(chunker.take()))
    expect(Buffer.concat(out).equals(Buffer.from(text, 'utf8'))).toBe(true)
    expect(homes.size).toBe(2)
  })
})

describe('numberText', () => {
  it('writes every number as String() does', () => {
    const values = [
      0,
      -0,
      1,
      -1,
      42,
      2 ** 31,
      2 ** 53,
      -(2 ** 53) - 2,
      0.1,
      0.1 + 0.2,
      1 / 3,
      1e21,
      1.5e-7,
      5e-324,
    ]
    values.push(Number.MAX_VALUE, Number.MIN_SAFE_INTEGER, Number.NaN, Infinity, -Infinity)
    let seed = 7
    for (let i = 0; i < 5_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      values.push((seed / 2 ** 31 - 0.5) * 10 ** ((i % 40) - 20), Math.round(seed / 100) / 100)
    }
    for (const value of values) expect(numberText(value)).toBe(String(value))
  })
})
