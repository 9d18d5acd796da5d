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
    timeZone: 'Europe/Berlin',
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

/** A text item of a PDF page with its position (pdf.js). */
interface PageText {
  str: string
  x: number
  y: number
}

/** A rectangle filled in one colour (RGB 0-255), from a page's operator list. */
interface FilledRect {
  color: [number, number, number]
  x: number
  y: number
  width: number
  height: number
}

// pdf.js operator codes (OPS in pdf.js v1.10, the build pdf-parse uses).
const OPS = { setFillRGBColor: 59, constructPath: 91, fill: 22, rectangle: 19 }

/** Every rectangle path filled right after it is built, with the fill colour then current. */
function filledRects(ops: { fnArray: number[]; argsArray: unknown[] }): FilledRect[] {
  const rects: FilledRect[] = []
  let color: FilledRect['color'] = [0, 0, 0]
  let pending: number[][] = []
  ops.fnArray.forEach((fn, index) => {
    const args = ops.argsArray[index] as unknown
    if (fn === OPS.setFillRGBColor) {
      const rgb = args as Record<string, number>
      color = [rgb[0] ?? 0, rgb[1] ?? 0, rgb[2] ?? 0]
    } else if (fn === OPS.constructPath) {
      const [pathOps, coords] = args as [number[], number[]]
      pending = pathOps.every((op) => op === OPS.rectangle)
        ? pathOps.map((_, i) => coords.slice(i * 4, i * 4 + 4))
        : []
    } else if (fn === OPS.fill) {
      for (const [x = 0, y = 0, width = 0, height = 0] of pending) rects.push({ color, x, y, width, height })
      pending = []
    }
  })
  return rects
}

async function readPdf(buffer: Buffer) {
  const pages: PageText[][] = []
  const rects: FilledRect[][] = []
  await pdfParse(new Uint8Array(buffer), {
    pagerender: async (page) => {
      const content = await page.getTextContent()
      pages.push(
        content.items.map((item) => ({
          str: item.str,
          x: item.transform[4] ?? 0,
          y: item.transform[5] ?? 0,
        })),
      )
      rects.push(filledRects(await page.getOperatorList()))
      return ''
    },
  })
  return { pages, rects, texts: pages.map((items) => items.map((item) => item.str).join(' ')) }
}

/** Whether a fill colour is `#2f6fb0`, the first chart series (pdf.js rounds the components). */
const isSeriesColor = (rect: FilledRect) =>
  [47, 111, 176].every((component, i) => Math.abs(component - (rect.color[i] ?? 0)) <= 1)

const paidAt = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Berlin',
  dateStyle: 'medium',
  timeStyle: 'short',
})
const PAID_AT = /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}$/

describe('PDF renderer', () => {
  it('paginates with the header on every page, page numbers, title block and totals', async () => {
    const buffer = await render(createPdfRenderer())
    expect(buffer.subarray(0, 5).toString()).toBe('%PDF-')
    const { texts: pages } = await readPdf(buffer)
    expect(pages.length).toBeGreaterThan(3)
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
    // The long value wrapped inside its cell instead of running over the next column.
    expect(all).toContain('A very long customer name')
  })

  it('draws every one of the 300 rows exactly once, in order, across the page breaks', async () => {
    const { pages } = await readPdf(await render(createPdfRenderer()))
    // "Paid At" is unique per row: the sequence of those cells over all pages is the row order.
    const seen = pages.flatMap((items, page) =>
      items.filter((item) => PAID_AT.test(item.str)).map((item) => ({ ...item, page })),
    )
    const expected = Array.from({ length: COUNT }, (_, i) => paidAt.format(row(i).at as Date))
    expect(new Set(expected).size).toBe(COUNT)
    expect(seen.map((item) => item.str)).toEqual(expected)
    expect(new Set(seen.map((item) => item.page)).size).toBeGreaterThan(3)
    // Each row's name sits on the same line as its time (a row is never split over two pages).
    seen.forEach((cell, i) => {
      if (i === 1 || i === 2) return
      const line = pages[cell.page]?.filter((item) => Math.abs(item.y - cell.y) < 0.5).map((item) => item.str)
      expect(line, `row ${i}`).toContain(`Customer ${i}`)
    })
  })

  it('draws the chart: one bar per point in the series colour, heights in proportion to the values', async () => {
    const { rects, texts } = await readPdf(await render(createPdfRenderer()))
    const chartPage = texts.findIndex((text) => text.includes('Quantity by day'))
    expect(chartPage).toBeGreaterThanOrEqual(0)
    const series = (rects[chartPage] ?? []).filter(isSeriesColor)
    // The legend swatch is an 8 x 8 square; the rest are the bars, left to right.
    const legend = series.filter((rect) => rect.width === 8 && Math.abs(rect.height) === 8)
    const bars = series.filter((rect) => !legend.includes(rect)).sort((a, b) => a.x - b.x)
    expect(legend).toHaveLength(1)
    const values = Array.from({ length: 50 }, (_, i) => Number(row(i).qty))
    expect(bars).toHaveLength(values.length)
    const unit = Math.abs(bars[values.indexOf(6)]?.height ?? 0) / 6
    expect(unit).toBeGreaterThan(1)
    for (const [i, bar] of bars.entries())
      expect(Math.abs(bar.height), `bar ${i}`).toBeCloseTo((values[i] ?? 0) * unit, 3)
    // Nothing else on the other pages is drawn in the series colour.
    rects.forEach((page, index) => {
      if (index !== chartPage) expect(page.filter(isSeriesColor)).toEqual([])
    })
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
