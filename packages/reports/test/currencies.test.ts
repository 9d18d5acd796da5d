// Money is never summed across currencies (issue 18 §2): the built-in reports over orders in EUR
// and USD, checked in every format and on both dialects against figures worked out by hand.
import { forEachDialect } from '@opskit/test-support'
import pdfParse from 'pdf-parse/lib/pdf-parse.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { builtinReports } from '../src/examples/index.js'
import {
  createMemoryStorage,
  createReports,
  defineReport,
  type ReportColumn,
  type ReportRow,
  type Reports,
} from '../src/index.js'
import { createPdfRenderer } from '../src/pdf/index.js'
import { createRenderInput } from '../src/runner/render-input.js'
import { createXlsxRenderer } from '../src/xlsx/index.js'
import { HAND, type HandFigures, seedTwoCurrencies } from './fixtures/two-currencies.js'
import { python, readCsvWithPython, readXlsxWithOpenpyxl } from './python-readers.js'

type Value = string | number | null
interface Extracted {
  rows: Record<string, Value>[]
  totals: { currency: string | null; values: Record<string, Value> }[]
}

const columnsOf = (name: string) =>
  (builtinReports.find((report) => report.name === name.split(' ')[0])?.columns ?? []) as ReportColumn[]

/** Compares extracted rows and totals with the hand figures (numbers to 4 decimals). */
function expectFigures(got: Extracted, want: HandFigures, label: string) {
  expect(got.rows.length, `${label} rows`).toBe(want.rows.length)
  want.rows.forEach((row, i) => {
    for (const [key, value] of Object.entries(row)) {
      const actual = got.rows[i]?.[key]
      if (typeof value === 'number') expect(Number(actual), `${label} row ${i} ${key}`).toBeCloseTo(value, 4)
      else expect(actual, `${label} row ${i} ${key}`).toBe(value)
    }
  })
  expect(
    got.totals.map((line) => line.currency),
    `${label} totals lines`,
  ).toEqual(want.totals.map((line) => line.currency))
  want.totals.forEach((line, i) => {
    for (const [key, value] of Object.entries(line.values))
      expect(Number(got.totals[i]?.values[key]), `${label} ${line.currency} total ${key}`).toBeCloseTo(
        value,
        4,
      )
  })
}

/** Reads a table (header row, then rows, then totals lines) the way CSV and XLSX lay it out. */
function fromTable(records: Value[][], columns: ReportColumn[], rowCount: number): Extracted {
  const currencyAt = columns.findIndex((column) => column.key === 'currency')
  const record = (cells: Value[]) =>
    Object.fromEntries(columns.map((column, i) => [column.key, cells[i] === '' ? null : (cells[i] ?? null)]))
  return {
    rows: records.slice(1, rowCount + 1).map(record),
    totals: records.slice(rowCount + 1).map((cells) => ({
      currency: (cells[currencyAt] as string) ?? null,
      values: record(cells),
    })),
  }
}

/** Text lines of every PDF page: items at one height, left to right. */
async function pdfLines(body: Buffer): Promise<string[]> {
  const lines: string[] = []
  await pdfParse(new Uint8Array(body), {
    pagerender: async (page) => {
      const rows = new Map<number, { x: number; str: string }[]>()
      for (const item of (await page.getTextContent()).items) {
        const y = Math.round(item.transform[5] ?? 0)
        rows.set(y, [...(rows.get(y) ?? []), { x: item.transform[4] ?? 0, str: item.str }])
      }
      for (const [, items] of [...rows].sort(([a], [b]) => b - a))
        lines.push(
          items
            .sort((a, b) => a.x - b.x)
            .map((item) => item.str)
            .join(' '),
        )
      return ''
    },
  })
  return lines
}

/** How en-US people read a value of a column: money in the row's own currency. */
function shown(column: ReportColumn, value: Value, currency: string | null): string {
  if (value === null) return ''
  switch (column.type) {
    case 'money':
      return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency ?? 'XXX' }).format(
        value as number,
      )
    case 'percent':
      return new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1 }).format(
        value as number,
      )
    case 'date':
      return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
        new Date(`${value}T00:00:00Z`),
      )
    case 'integer':
      return new Intl.NumberFormat('en-US').format(value as number)
    default:
      return String(value)
  }
}

forEachDialect('money per currency in the built-in reports', ({ db, dialect }) => {
  let reports: Reports
  beforeAll(async () => {
    await seedTwoCurrencies(db())
    reports = await createReports({
      db: db(),
      storage: createMemoryStorage(),
      timeZone: 'UTC',
      locale: 'en-US',
      renderers: [createXlsxRenderer(), createPdfRenderer()],
    })
    for (const report of builtinReports) reports.register(report)
  })
  afterAll(async () => {
    await reports?.close()
  })

  const run = async (name: string, format: string) => {
    const want = HAND[name] as HandFigures
    const result = await reports.run(name.split(' ')[0] ?? '', want.params, { format })
    const link = await reports.createDownloadLink(result.artifactId)
    const chunks: Buffer[] = []
    for await (const chunk of (await reports.redeem(link.token)).stream) chunks.push(chunk as Buffer)
    return { result, body: Buffer.concat(chunks), want, columns: columnsOf(name) }
  }

  for (const name of Object.keys(HAND)) {
    it(`${name}: run() totals per currency match the hand figures on ${dialect}`, async () => {
      const { result, want } = await run(name, 'ndjson')
      expectFigures({ rows: want.rows, totals: result.totals }, want, 'run()')
    })

    it(`${name}: JSON and NDJSON rows and $totals lines match on ${dialect}`, async () => {
      for (const format of ['json', 'ndjson']) {
        const { body, want } = await run(name, format)
        const text = body.toString('utf8')
        const items = (
          format === 'json'
            ? JSON.parse(text)
            : text
                .trim()
                .split('\n')
                .map((line) => JSON.parse(line))
        ) as Record<string, unknown>[]
        const totals = items.flatMap((item) => {
          if (!('$totals' in item)) return []
          const { currency, ...values } = item.$totals as Record<string, Value>
          return [{ currency: (currency as string) ?? null, values }]
        })
        const rows = items.filter((item) => !('$totals' in item)) as Record<string, Value>[]
        expectFigures({ rows, totals }, want, format)
      }
    })

    it.runIf(python)(`${name}: CSV read back with Python's csv matches on ${dialect}`, async () => {
      const { body, want, columns, result } = await run(name, 'csv')
      const records = readCsvWithPython(body.toString('utf8'), ',')
      expect(records[0]).toEqual(columns.map((column) => column.header))
      const got = fromTable(records, columns, result.rows)
      expectFigures(got, want, 'csv')
      for (const record of records.slice(result.rows + 1)) expect(record[0]).toBe('Total')
    })

    it.runIf(python)(
      `${name}: XLSX read back with openpyxl matches, amounts in their currency, on ${dialect}`,
      async () => {
        const { body, want, columns, result } = await run(name, 'xlsx')
        const [sheet] = readXlsxWithOpenpyxl(body)
        if (!sheet) throw new Error('no sheet')
        const values = sheet.values.map((cells) =>
          cells.map((cell) =>
            typeof cell === 'string' && /^\d{4}-\d{2}-\d{2}T00:00:00$/.test(cell) ? cell.slice(0, 10) : cell,
          ),
        ) as Value[][]
        expectFigures(fromTable(values, columns, result.rows), want, 'xlsx')
        const currencyAt = columns.findIndex((column) => column.key === 'currency')
        columns.forEach((column, i) => {
          if (column.type !== 'money') return
          values.slice(1).forEach((cells, r) => {
            if (cells[i] === null) return
            expect(sheet.formats[r + 1]?.[i], `${column.key} row ${r + 1}`).toBe(
              `#,##0.00 "${cells[currencyAt]}"`,
            )
          })
        })
        sheet.bold.slice(result.rows + 1).forEach((bold, r) => {
          const cells = values[result.rows + 1 + r] ?? []
          expect(bold.filter((_, i) => cells[i] !== null)).not.toContain(false)
        })
      },
    )

    it(`${name}: PDF shows every row and one totals line per currency, each in its currency, on ${dialect}`, async () => {
      const { body, want, columns } = await run(name, 'pdf')
      const lines = await pdfLines(body)
      for (const row of want.rows) {
        const expected = columns
          .map((column) => shown(column, row[column.key] ?? null, row.currency as string))
          .filter((text) => text !== '')
          .join(' ')
        expect(lines, 'row').toContain(expected)
      }
      const totalLines = lines.filter((line) => line.startsWith('Total'))
      expect(totalLines).toEqual(
        want.totals.map((line) =>
          columns
            .map((column, i) => {
              if (column.key === 'currency') return line.currency ?? ''
              if (column.key in line.values)
                return shown(column, line.values[column.key] ?? null, line.currency)
              return i === 0 ? 'Total' : ''
            })
            .filter((text) => text !== '')
            .join(' '),
        ),
      )
    })
  }
})

describe('money columns and currencies', () => {
  const columns = (money: ReportColumn): ReportColumn[] => [
    { key: 'currency', header: 'Currency', type: 'string' },
    { key: 'qty', header: 'Qty', type: 'integer' },
    money,
  ]
  const define = (money: ReportColumn, extra: Partial<{ totals: Record<string, 'sum'> }> = {}) =>
    defineReport({
      name: 'm',
      title: 'M',
      params: z.object({}),
      columns: columns(money),
      query: () => rows([]),
      ...extra,
    })
  async function* rows(list: ReportRow[]): AsyncGenerator<ReportRow> {
    yield* list
  }

  it('a money column must name its currency, fixed or per row', () => {
    const invalid = [
      { key: 'amount', header: 'A', type: 'money' },
      { key: 'amount', header: 'A', type: 'money', format: { currency: 'EURO' } },
      { key: 'amount', header: 'A', type: 'money', format: { currency: 'EUR', currencyColumn: 'currency' } },
      { key: 'amount', header: 'A', type: 'money', format: { currencyColumn: 'qty' } },
      { key: 'amount', header: 'A', type: 'money', format: { currencyColumn: 'nope' } },
      { key: 'amount', header: 'A', type: 'decimal', format: { currency: 'EUR' } },
    ] as ReportColumn[]
    for (const column of invalid)
      expect(() => define(column), JSON.stringify(column.format)).toThrow(
        expect.objectContaining({ code: 'REPORTS_INVALID_DEFINITION' }),
      )
    expect(() =>
      define({ key: 'amount', header: 'A', type: 'money', format: { currency: 'JPY' } }),
    ).not.toThrow()
  })

  const input = (list: ReportRow[]) =>
    createRenderInput({
      definition: define(
        { key: 'amount', header: 'A', type: 'money', format: { currencyColumn: 'currency' } },
        { totals: { qty: 'sum', amount: 'sum' } },
      ),
      params: {},
      rows: rows(list),
      generatedAt: new Date(0),
      locale: 'en-US',
      timeZone: 'UTC',
    })
  const drain = async (source: AsyncIterable<unknown>) => {
    for await (const _ of source);
  }

  it('a single total over mixed currencies is a typed error, the lines are per currency', async () => {
    const mixed = input([
      { currency: 'eur', qty: 1, amount: 10 },
      { currency: 'USD', qty: 2, amount: 20 },
      { currency: 'EUR', qty: 3, amount: 0.5 },
    ])
    await drain(mixed.rows)
    expect(() => mixed.totals()).toThrow(expect.objectContaining({ code: 'REPORTS_MIXED_CURRENCIES' }))
    expect(mixed.totalLines()).toEqual([
      { currency: 'EUR', cells: ['EUR', 4, 10.5] },
      { currency: 'USD', cells: ['USD', 2, 20] },
    ])
    const single = input([{ currency: 'USD', qty: 2, amount: 20 }])
    await drain(single.rows)
    expect(single.totals()).toEqual(['USD', 2, 20])
  })

  it('a money value without a currency in its row is a typed error', async () => {
    const missing = input([
      { currency: 'EUR', qty: 1, amount: 10 },
      { currency: null, qty: 1, amount: null },
      { currency: '', qty: 1, amount: 5 },
    ])
    await expect(drain(missing.rows)).rejects.toMatchObject({
      code: 'REPORTS_INVALID_CURRENCY',
      message: expect.stringContaining('row 3'),
    })
  })
})
