import { Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import pdfParse from 'pdf-parse/lib/pdf-parse.js'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineReport, type Renderer, type ReportRow } from '../src/index.js'
import { createPdfRenderer } from '../src/pdf/index.js'
import { niceScale } from '../src/pdf/nice-ticks.js'
import { createRenderInput } from '../src/runner/render-input.js'
import { createXlsxRenderer } from '../src/xlsx/index.js'

const definition = defineReport({
  name: 'mixed',
  title: 'Mixed Types Report',
  params: z.object({ region: z.string() }),
  columns: [
    { key: 'name', header: 'Customer Name', type: 'string' },
    { key: 'qty', header: 'Quantity', type: 'integer' },
    { key: 'price', header: 'Unit Price', type: 'money', format: { currency: 'EUR' } },
    { key: 'share', header: 'Share', type: 'percent' },
    { key: 'day', header: 'Order Day', type: 'date' },
    { key: 'at', header: 'Paid At', type: 'datetime' },
  ],
  query: () => source(0),
  totals: { qty: 'sum', price: 'sum' },
  chart: { type: 'bar', x: 'day', y: ['qty'], title: 'Quantity by day' },
})

const COUNT = 300
function row(i: number): ReportRow {
  return {
    name:
      i === 1
        ? '=HYPERLINK("http://x","y")'
        : i === 2
          ? 'A very long customer name that keeps going and going well past the width of its column so it must wrap onto more lines inside the cell '.repeat(
              2,
            )
          : `Customer ${i}`,
    qty: i % 7,
    price: (i % 13) + 0.5,
    share: (i % 10) / 10,
    day: `2026-03-${String((i % 28) + 1).padStart(2, '0')}`,
    at: new Date(Date.UTC(2026, 2, 29, 0, 30 + i)),
  }
}
async function* source(_: number): AsyncGenerator<ReportRow> {
  for (let i = 0; i < COUNT; i++) yield row(i)
}

async function render(renderer: Renderer): Promise<Buffer> {
  const chunks: Buffer[] = []
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    },
  })
  const input = createRenderInput({
    definition,
    params: { region: 'EU' },
    rows: source(0),
    generatedAt: new Date('2026-03-29T06:00:00Z'),
    locale: 'en-GB',
    timezone: 'Europe/Berlin',
  })
  await renderer.render(input, out)
  return Buffer.concat(chunks)
}

const expectedQty = Array.from({ length: COUNT }, (_, i) => i % 7).reduce((a, b) => a + b, 0)
const expectedPrice = Array.from({ length: COUNT }, (_, i) => (i % 13) + 0.5).reduce((a, b) => a + b, 0)

describe('XLSX renderer', () => {
  it('writes typed cells, a frozen header, widths and a totals row that exceljs reads back', async () => {
    const buffer = await render(createXlsxRenderer())
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer)
    const sheet = workbook.worksheets[0]
    if (!sheet) throw new Error('no sheet')
    expect(sheet.name).toBe('Mixed Types Report')
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([
      'Customer Name',
      'Quantity',
      'Unit Price',
      'Share',
      'Order Day',
      'Paid At',
    ])
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true)
    expect(sheet.getColumn(1).width).toBeGreaterThan(10)
    expect(sheet.rowCount).toBe(COUNT + 2)
    const first = sheet.getRow(2)
    expect(first.getCell(1).value).toBe('Customer 0')
    expect(first.getCell(2).type).toBe(ExcelJS.ValueType.Number)
    expect(first.getCell(3).value).toBe(0.5)
    expect(first.getCell(3).numFmt).toBe('#,##0.00 "EUR"')
    expect(first.getCell(4).numFmt).toBe('0.0%')
    expect(first.getCell(5).type).toBe(ExcelJS.ValueType.Date)
    expect((first.getCell(5).value as Date).toISOString()).toBe('2026-03-01T00:00:00.000Z')
    // 00:30 UTC on 2026-03-29 is 01:30 in Berlin (CET), 03:31 after the spring-forward gap.
    expect((first.getCell(6).value as Date).toISOString()).toBe('2026-03-29T01:30:00.000Z')
    expect((sheet.getRow(3).getCell(6).value as Date).toISOString()).toBe('2026-03-29T01:31:00.000Z')
    expect((sheet.getRow(32).getCell(6).value as Date).toISOString()).toBe('2026-03-29T03:00:00.000Z')
    expect(first.getCell(6).numFmt).toBe('yyyy-mm-dd hh:mm:ss')
    expect(sheet.getRow(3).getCell(1).value).toBe(`'=HYPERLINK("http://x","y")`)
    expect(sheet.getRow(3).getCell(1).type).toBe(ExcelJS.ValueType.String)
    const totals = sheet.getRow(COUNT + 2)
    expect(totals.getCell(1).value).toBe('Total')
    expect(totals.getCell(2).value).toBe(expectedQty)
    expect(totals.getCell(3).value).toBeCloseTo(expectedPrice, 6)
    expect(totals.getCell(2).font?.bold).toBe(true)
  })
})

describe('PDF renderer', () => {
  it('paginates with the header on every page, page numbers, title block, totals and chart', async () => {
    const buffer = await render(createPdfRenderer())
    expect(buffer.subarray(0, 5).toString()).toBe('%PDF-')
    const pages: string[] = []
    const parsed = await pdfParse(new Uint8Array(buffer), {
      pagerender: async (page) => {
        const content = await page.getTextContent()
        const text = content.items.map((item) => item.str).join(' ')
        pages.push(text)
        return text
      },
    })
    expect(parsed.numpages).toBeGreaterThan(3)
    expect(pages).toHaveLength(parsed.numpages)
    // Every table page repeats the header; only a final chart page may go without it.
    const tablePages = pages.at(-1)?.includes('Customer Name') ? pages : pages.slice(0, -1)
    expect(tablePages.length).toBeGreaterThan(3)
    tablePages.forEach((text) => {
      expect(text).toContain('Customer Name')
      expect(text).toContain('Paid At')
    })
    for (const [index, text] of pages.entries()) expect(text).toContain(`Page ${index + 1}`)
    expect(pages[0]).toContain('Mixed Types Report')
    expect(pages[0]).toContain('region: EU')
    expect(pages[0]).toContain('Generated 29 Mar 2026')
    const all = pages.join('\n')
    expect(all).toContain(`${expectedQty}`)
    expect(all).toContain(
      new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(expectedPrice),
    )
    expect(all).toContain('Total')
    expect(all).toContain('Quantity by day')
    // The long value wrapped inside its cell instead of running over the next column.
    expect(all).toContain('A very long customer name')
    // Vector chart: rectangles filled in the series colour are in the last page's content.
    expect(buffer.toString('latin1')).toMatch(/re\s*\n?f/)
  })

  it('stops drawing at maxRows and says how many rows were left out, totals still complete', async () => {
    const buffer = await render(createPdfRenderer({ maxRows: 10 }))
    const parsed = await pdfParse(new Uint8Array(buffer))
    expect(parsed.text).toContain(`${COUNT - 10} more rows not shown`)
    expect(parsed.text).toContain(String(expectedQty))
  })
})

describe('niceScale (chart axis)', () => {
  it('picks round steps and widens the axis to whole steps', () => {
    expect(niceScale(0, 6840)).toEqual({ min: 0, max: 8000, step: 2000, ticks: [0, 2000, 4000, 6000, 8000] })
    expect(niceScale(0, 100).ticks).toEqual([0, 25, 50, 75, 100])
    expect(niceScale(-5, 37)).toEqual({ min: -20, max: 40, step: 20, ticks: [-20, 0, 20, 40] })
    expect(niceScale(0, 0.7).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8])
    expect(niceScale(0, 3).ticks).toEqual([0, 1, 2, 3])
  })

  it('gives flat and empty series an axis with room', () => {
    expect(niceScale(0, 0).ticks).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(niceScale(-4, -4)).toMatchObject({ min: -4, max: 0, step: 1 })
    expect(niceScale(500, 500)).toMatchObject({ min: 0, max: 600, step: 200 })
  })
})
