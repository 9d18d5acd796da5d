import { Writable } from 'node:stream'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createCsvRenderer, defineReport, type Renderer, type ReportRow } from '../src/index.js'
import { createRenderInput } from '../src/runner/render-input.js'

const NASTY = [
  'plain',
  'has "quotes"',
  'a, comma',
  'line\nbreak',
  'crlf\r\nbreak',
  'emoji 🎟️👍',
  '=HYPERLINK("http://evil.example","click")',
  '-2+3',
  '+1',
  '@SUM(A1)',
  '\tTab',
  '\rCR',
]

const definition = defineReport({
  name: 'nasty',
  title: 'Nasty values',
  params: z.object({}),
  columns: [
    { key: 'text', header: 'Text, "quoted"', type: 'string' },
    { key: 'amount', header: 'Amount', type: 'money', format: { currency: 'EUR' } },
    { key: 'day', header: 'Day', type: 'date' },
    { key: 'at', header: 'At', type: 'datetime' },
  ],
  query: () => rowsOf([]),
})

async function* rowsOf(rows: ReportRow[]): AsyncGenerator<ReportRow> {
  yield* rows
}

async function render(
  renderer: Renderer,
  rows: ReportRow[],
  extra: { locale?: string; timeZone?: string } = {},
) {
  const chunks: Buffer[] = []
  const out = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      setImmediate(callback)
    },
  })
  const input = createRenderInput({
    definition,
    params: {},
    rows: rowsOf(rows),
    generatedAt: new Date('2026-03-01T00:00:00Z'),
    locale: extra.locale ?? 'en-US',
    timeZone: extra.timeZone ?? 'UTC',
  })
  await renderer.render(input, out)
  return Buffer.concat(chunks).toString('utf8')
}

describe('CSV renderer', () => {
  const rows = NASTY.map((text, i) => ({
    text,
    amount: i === 3 ? -2 : i * 1.5,
    day: `2026-03-0${(i % 9) + 1}`,
    at: new Date(Date.UTC(2026, 2, 1, 12, i)),
  }))

  it('round-trips nasty values through a real CSV parser, escaping formulas in text only', async () => {
    const text = await render(createCsvRenderer(), rows)
    const parsed = parse(text, { relax_column_count: false }) as string[][]
    expect(parsed[0]).toEqual(['Text, "quoted"', 'Amount', 'Day', 'At'])
    expect(parsed).toHaveLength(NASTY.length + 1)
    const texts = parsed.slice(1).map((r) => r[0])
    expect(texts).toEqual([
      'plain',
      'has "quotes"',
      'a, comma',
      'line\nbreak',
      'crlf\r\nbreak',
      'emoji 🎟️👍',
      `'=HYPERLINK("http://evil.example","click")`,
      `'-2+3`,
      `'+1`,
      `'@SUM(A1)`,
      `'\tTab`,
      `'\rCR`,
    ])
    expect(parsed[4]?.[1]).toBe('-2')
    expect(parsed[2]?.[2]).toBe('2026-03-02')
    expect(parsed[1]?.[3]).toBe('2026-03-01T12:00:00.000Z')
    expect(text.endsWith('\r\n')).toBe(true)
    expect(text.startsWith('\uFEFF')).toBe(false)
  })

  it('honours delimiter, BOM, LF newlines and escapeFormulas: false', async () => {
    const text = await render(
      createCsvRenderer({ delimiter: ';', bom: true, newline: '\n', escapeFormulas: false }),
      rows.slice(5, 8),
    )
    expect(text.startsWith('\uFEFF')).toBe(true)
    const parsed = parse(text, { delimiter: ';', bom: true }) as string[][]
    expect(parsed.map((r) => r[0])).toEqual([
      'Text, "quoted"',
      'emoji 🎟️👍',
      '=HYPERLINK("http://evil.example","click")',
      '-2+3',
    ])
    expect(text.includes('\r\n')).toBe(false)
  })

  it('formats for people with a locale and time zone when localized', async () => {
    const text = await render(
      createCsvRenderer({ localized: true, delimiter: ';' }),
      [{ text: 'x', amount: 1234.5, day: '2026-03-29', at: new Date('2026-03-29T01:30:00Z') }],
      { locale: 'de-DE', timeZone: 'Europe/Berlin' },
    )
    const parsed = parse(text, { delimiter: ';' }) as string[][]
    expect(parsed[1]?.[1]).toBe('1.234,50\u00a0€')
    expect(parsed[1]?.[2]).toBe('29.03.2026')
    expect(parsed[1]?.[3]).toBe('29.03.2026, 03:30')
  })

  it('rejects a delimiter that would break the format', () => {
    expect(() => createCsvRenderer({ delimiter: '"' })).toThrow(TypeError)
  })
})
