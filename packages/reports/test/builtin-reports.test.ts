import { forEachDialect } from '@opskit/test-support'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import pdfParse from 'pdf-parse/lib/pdf-parse.js'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { builtinReports } from '../src/examples/index.js'
import { createMemoryStorage, createReports, type Reports, type RunResult } from '../src/index.js'
import { createPdfRenderer } from '../src/pdf/index.js'
import { seedExampleData } from '../src/testing/index.js'
import { createXlsxRenderer } from '../src/xlsx/index.js'
import { checkZip } from './zip-check.js'

const ZONE = 'Europe/Berlin'
const PERIOD = { from: '2026-03-05', to: '2026-03-28' }
/** pdf.js reads a Buffer's whole backing ArrayBuffer: small Buffers share a pool, so copy. */
const exactBytes = (body: Buffer) => new Uint8Array(body)
const FORMATS = ['csv', 'ndjson', 'json', 'xlsx', 'pdf'] as const

forEachDialect('built-in reports', ({ db, dialect }) => {
  let reports: Reports

  beforeAll(async () => {
    const counts = await seedExampleData(db(), { orders: 250 })
    expect(counts.orders).toBe(250)
    reports = await createReports({
      db: db(),
      storage: createMemoryStorage(),
      timeZone: ZONE,
      locale: 'de-DE',
      renderers: [createXlsxRenderer(), createPdfRenderer()],
    })
    for (const report of builtinReports) reports.register(report)
  })
  afterAll(async () => {
    await reports?.close()
  })

  const download = async (result: RunResult) => {
    const link = await reports.createDownloadLink(result.artifactId)
    const { stream } = await reports.redeem(link.token)
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }

  // The figures themselves are checked by hand in currencies.test.ts; here every report renders
  // the seeded data in every format and each totals line adds up its own currency's rows.
  for (const report of builtinReports) {
    it(`${report.name}: every format renders, totals add up per currency on ${dialect}`, async () => {
      const params = report.name === 'revenue-breakdown' ? { ...PERIOD, by: 'venue' } : PERIOD
      const totalled = Object.keys(report.totals ?? {})
      for (const format of FORMATS) {
        const result = await reports.run(report.name, params, { format })
        expect(result.rows, format).toBeGreaterThan(0)
        const body = await download(result)
        expect(body.length).toBe(result.bytes)
        const headers = report.columns.map((c) => c.header)
        const lines = result.totals.length
        if (format === 'csv') {
          const rows = parse(body.toString('utf8'), { relax_column_count: true }) as string[][]
          expect(rows[0]).toEqual(headers)
          expect(rows).toHaveLength(result.rows + 1 + lines)
        } else if (format === 'ndjson' || format === 'json') {
          const text = body.toString('utf8')
          const items = (
            format === 'json'
              ? JSON.parse(text)
              : text
                  .trim()
                  .split('\n')
                  .map((l) => JSON.parse(l))
          ) as Record<string, unknown>[]
          const rows = items.filter((item) => !('$totals' in item))
          expect(rows).toHaveLength(result.rows)
          for (const line of result.totals) {
            const mine = rows.filter(
              (row) => line.currency === null || row.currency === line.currency || !('currency' in row),
            )
            for (const key of totalled) {
              if (report.totals?.[key] !== 'sum') continue
              const sum = mine.reduce((acc, row) => acc + Number(row[key] ?? 0), 0)
              expect(line.values[key], `${line.currency} ${key}`).toBeCloseTo(sum, 6)
            }
          }
          expect(items.filter((item) => '$totals' in item)).toHaveLength(lines)
        } else if (format === 'xlsx') {
          // Every ZIP entry inflates to its recorded size and CRC-32.
          expect(checkZip(body).entries.map((e) => e.name)).toContain('xl/worksheets/sheet1.xml')
          const workbook = new ExcelJS.Workbook()
          await workbook.xlsx.load(body as unknown as ArrayBuffer)
          const sheet = workbook.worksheets[0]
          expect(sheet?.rowCount).toBe(result.rows + 1 + lines)
          result.totals.forEach((line, i) => {
            const totalsRow = sheet?.getRow(result.rows + 2 + i)
            for (const key of totalled) {
              const index = report.columns.findIndex((c) => c.key === key) + 1
              expect(totalsRow?.getCell(index).value, key).toBeCloseTo(Number(line.values[key]), 6)
              expect(totalsRow?.getCell(index).type).toBe(ExcelJS.ValueType.Number)
            }
          })
        } else {
          const parsed = await pdfParse(exactBytes(body))
          for (const header of headers) expect(parsed.text).toContain(header.split(' ')[0])
          if (lines > 0) expect(parsed.text).toContain('Total')
          expect(parsed.text).toContain(report.title)
        }
      }
    })
  }

  it(`daily-sales-summary buckets by local day in ${ZONE} (one row per day and currency)`, async () => {
    const result = await reports.run(
      'daily-sales-summary',
      { ...PERIOD, currency: 'EUR' },
      { format: 'ndjson' },
    )
    expect(result.rows).toBe(24)
    expect(result.totals.map((line) => line.currency)).toEqual(['EUR'])
    const all = await reports.run('daily-sales-summary', PERIOD, { format: 'ndjson' })
    expect(all.rows).toBe(24 * all.totals.length)
    expect(all.totals.map((line) => line.currency)).toEqual(['EUR', 'USD'])
    await expect(
      reports.run('daily-sales-summary', { from: '2026-03-10', to: '2026-03-01' }, { format: 'csv' }),
    ).rejects.toMatchObject({
      code: 'REPORTS_INVALID_PARAMS',
      message: expect.stringContaining('to'),
    })
  })
})
