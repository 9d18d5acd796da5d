import { forEachDialect } from '@opskit/test-support'
import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import { sql } from 'kysely'
import pdfParse from 'pdf-parse/lib/pdf-parse.js'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  builtinReports,
  createMemoryStorage,
  createReports,
  type Reports,
  type RunResult,
  startOfDayInZone,
} from '../src/index.js'
import { createPdfRenderer } from '../src/pdf/index.js'
import { seedExampleData } from '../src/testing/index.js'
import { createXlsxRenderer } from '../src/xlsx/index.js'
import { checkZip } from './zip-check.js'

const ZONE = 'Europe/Berlin'
const PERIOD = { from: '2026-03-05', to: '2026-03-28' }
const START = startOfDayInZone(PERIOD.from, ZONE)
const END = startOfDayInZone('2026-03-29', ZONE)
/** pdf.js reads a Buffer's whole backing ArrayBuffer: small Buffers share a pool, so copy. */
const exactBytes = (body: Buffer) => new Uint8Array(body)
const FORMATS = ['csv', 'ndjson', 'json', 'xlsx', 'pdf'] as const

forEachDialect('built-in reports', ({ db, dialect }) => {
  let reports: Reports
  const expected: Record<string, Record<string, number>> = {}

  const one = async (query: string) => {
    const result = await sql.raw<Record<string, unknown>>(query).execute(db())
    return Object.fromEntries(Object.entries(result.rows[0] ?? {}).map(([k, v]) => [k, Number(v ?? 0)]))
  }

  beforeAll(async () => {
    const counts = await seedExampleData(db(), { orders: 250 })
    expect(counts.orders).toBe(250)
    reports = await createReports({
      db: db(),
      storage: createMemoryStorage(),
      timezone: ZONE,
      locale: 'de-DE',
      renderers: [createXlsxRenderer(), createPdfRenderer()],
    })
    for (const report of builtinReports) reports.register(report)
    const inRange = (col: string) => `${col} >= ${START} and ${col} < ${END}`
    expected['daily-sales-summary'] = await one(`
      select count(*) as orders, sum(total_cents) / 100.0 as gross,
        (select sum(quantity) from order_items i join orders o2 on o2.id = i.order_id
          where o2.status = 'paid' and o2.currency = 'EUR' and ${inRange('o2.created_at')}) as tickets,
        (select sum(amount_cents) / 100.0 from refunds r join orders o3 on o3.id = r.order_id
          where o3.currency = 'EUR' and ${inRange('r.created_at')}) as refunds
      from orders where status = 'paid' and currency = 'EUR' and ${inRange('created_at')}`)
    expected['revenue-breakdown'] = await one(`
      select sum(i.quantity) as tickets, sum(i.quantity * i.unit_price_cents) / 100.0 as revenue
      from order_items i join orders o on o.id = i.order_id where o.status = 'paid' and ${inRange('o.created_at')}`)
    expected['refund-summary'] = await one(
      `select count(*) as refunds, sum(amount_cents) / 100.0 as amount from refunds where ${inRange('created_at')}`,
    )
    expected['event-attendance'] = await one(`
      select sum(case when t.status <> 'void' then 1 else 0 end) as sold,
             sum(case when t.status = 'checked_in' then 1 else 0 end) as checked_in
      from tickets t join events e on e.id = t.event_id where ${inRange('e.starts_at')}`)
    expected['venue-performance'] = await one(`
      select (select count(*) from events e where ${inRange('e.starts_at')}) as events,
             (select count(*) from tickets t join events e on e.id = t.event_id
               where t.status <> 'void' and ${inRange('e.starts_at')}) as sold,
             (select sum(i.quantity * i.unit_price_cents) / 100.0 from order_items i
               join orders o on o.id = i.order_id join events e on e.id = i.event_id
               where o.status = 'paid' and ${inRange('e.starts_at')}) as revenue`)
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

  for (const report of builtinReports) {
    it(`${report.name}: totals match SQL aggregates in every format on ${dialect}`, async () => {
      const want = expected[report.name] ?? {}
      const params = report.name === 'revenue-breakdown' ? { ...PERIOD, by: 'venue' } : PERIOD
      for (const format of FORMATS) {
        const result = await reports.run(report.name, params, { format })
        expect(result.rows, format).toBeGreaterThan(0)
        for (const [key, value] of Object.entries(want))
          expect(result.totals[key], `${format} ${key}`).toBeCloseTo(value, 2)
        const body = await download(result)
        expect(body.length).toBe(result.bytes)
        const headers = report.columns.map((c) => c.header)
        if (format === 'csv') {
          const rows = parse(body.toString('utf8')) as string[][]
          expect(rows[0]).toEqual(headers)
          expect(rows).toHaveLength(result.rows + 1)
        } else if (format === 'ndjson') {
          const lines = body
            .toString('utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as Record<string, unknown>)
          expect(lines).toHaveLength(result.rows)
          for (const [key, value] of Object.entries(want)) {
            const sum = lines.reduce((acc, line) => acc + Number(line[key] ?? 0), 0)
            expect(sum, key).toBeCloseTo(value, 2)
          }
        } else if (format === 'json') {
          expect(JSON.parse(body.toString('utf8'))).toHaveLength(result.rows)
        } else if (format === 'xlsx') {
          // Every ZIP entry inflates to its recorded size and CRC-32.
          expect(checkZip(body).entries.map((e) => e.name)).toContain('xl/worksheets/sheet1.xml')
          const workbook = new ExcelJS.Workbook()
          await workbook.xlsx.load(body as unknown as ArrayBuffer)
          const sheet = workbook.worksheets[0]
          expect(sheet?.rowCount).toBe(result.rows + 2)
          const totalsRow = sheet?.getRow(result.rows + 2)
          for (const [key, value] of Object.entries(want)) {
            const index = report.columns.findIndex((c) => c.key === key) + 1
            expect(totalsRow?.getCell(index).value, key).toBeCloseTo(value, 2)
            expect(totalsRow?.getCell(index).type).toBe(ExcelJS.ValueType.Number)
          }
        } else {
          const parsed = await pdfParse(exactBytes(body))
          for (const header of headers) expect(parsed.text).toContain(header.split(' ')[0])
          expect(parsed.text).toContain('Total')
          expect(parsed.text).toContain(report.title)
        }
      }
    })
  }

  it(`daily-sales-summary buckets by local day in ${ZONE} (one row per day)`, async () => {
    const result = await reports.run('daily-sales-summary', PERIOD, { format: 'ndjson' })
    expect(result.rows).toBe(24)
    await expect(
      reports.run('daily-sales-summary', { from: '2026-03-10', to: '2026-03-01' }, { format: 'csv' }),
    ).rejects.toMatchObject({
      code: 'REPORT_INVALID_PARAMS',
      message: expect.stringContaining('to'),
    })
  })
})
