import type { Writable } from 'node:stream'
import { importOptional } from '@opskit/core'
import type ExcelJSModule from 'exceljs'
import type { ColumnType, ReportColumn } from '../definition/report-definition.js'
import type { Renderer, RenderInput } from '../render/renderer.js'
import { waitForDrain } from '../render/text-sink.js'
import { type Cell, escapeFormula, wallClock } from '../render/values.js'

type ExcelJS = typeof ExcelJSModule
type CellStyle = Partial<ExcelJSModule.Style>

/** Options of {@link createXlsxRenderer}. */
export interface XlsxOptions {
  /** Worksheet name (at most 31 characters). @default the report title */
  sheetName?: string
  /** Prefix `'` to text cells starting with `=`, `+`, `-`, `@`, tab, CR or LF. @default true */
  escapeFormulas?: boolean
  /** Label written in the first cell of the totals row when that column has no total. @default 'Total' */
  totalsLabel?: string
  /** Wait for the output to drain every this many rows. @default 500 */
  drainEvery?: number
}

const DEFAULT_NUMFMT: Record<ColumnType, string | undefined> = {
  string: undefined,
  integer: '#,##0',
  decimal: '#,##0.00',
  money: '#,##0.00',
  percent: '0.0%',
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm:ss',
}

const DEFAULT_WIDTH: Record<ColumnType, number> = {
  string: 24,
  integer: 10,
  decimal: 12,
  money: 14,
  percent: 10,
  date: 12,
  datetime: 20,
}

function moneyFormat(column: ReportColumn): string {
  const digits = column.format?.fractionDigits ?? 2
  const base = digits > 0 ? `#,##0.${'0'.repeat(digits)}` : '#,##0'
  return column.format?.currency ? `${base} "${column.format.currency}"` : base
}

function numFmtOf(column: ReportColumn): string | undefined {
  if (column.format?.numFmt) return column.format.numFmt
  if (column.type === 'money') return moneyFormat(column)
  return DEFAULT_NUMFMT[column.type]
}

/**
 * Converts a cell to the value exceljs writes: numbers stay numbers; dates become Excel dates
 * (a `date` at UTC midnight; a `datetime` as its wall-clock time in the report zone, since Excel
 * serials carry no zone and exceljs writes a JS Date from its UTC fields).
 */
function excelValue(
  type: ColumnType,
  cell: Cell,
  timezone: string,
  guard: boolean,
): string | number | Date | null {
  if (cell === null) return null
  switch (type) {
    case 'string':
      return guard ? escapeFormula(cell as string) : (cell as string)
    case 'date': {
      const [y, m, d] = String(cell).split('-').map(Number)
      return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1))
    }
    case 'datetime': {
      const w = wallClock(cell as number, timezone)
      return new Date(Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second))
    }
    default:
      return cell
  }
}

/** Buffered bytes above which production waits for exceljs's zip entry to drain. */
const ENTRY_HIGH_WATER = 1 << 20

interface DrainableState {
  _writableState?: { length?: number; needDrain?: boolean }
  writableLength?: number
  once(event: 'drain', listener: () => void): unknown
}

/**
 * exceljs's sheet stream hands every chunk to archiver's entry stream without looking at the
 * return of `write()`, so when rows are committed faster than zlib compresses (or than the
 * target accepts), the entry's buffer grows without bound. Waiting here for that entry (and for
 * `out`) keeps memory flat.
 */
async function applyBackpressure(sheet: unknown, out: Writable): Promise<void> {
  const pipes = (sheet as { stream?: { pipes?: DrainableState[] } }).stream?.pipes ?? []
  for (const pipe of pipes) {
    const buffered = pipe.writableLength ?? pipe._writableState?.length ?? 0
    if (buffered > ENTRY_HIGH_WATER && pipe._writableState?.needDrain)
      await new Promise<void>((resolve) => pipe.once('drain', resolve))
  }
  if (out.writableNeedDrain) await waitForDrain(out)
}

/**
 * XLSX through exceljs's streaming `WorkbookWriter`: inline strings (`useSharedStrings: false`),
 * a small fixed set of styles (header, one number format per column, totals), typed cells,
 * a frozen header row, column widths, a totals row; rows are committed as they are written.
 * Loads `exceljs` on first use (an optional peer).
 */
export function createXlsxRenderer(options: XlsxOptions = {}): Renderer {
  let loaded: Promise<ExcelJS> | undefined
  const load = () => {
    loaded ??= importOptional<ExcelJS & { default?: ExcelJS }>('exceljs', '@opskit/reports/xlsx').then(
      (mod) => mod.default ?? mod,
    )
    return loaded
  }
  const escapeDefault = options.escapeFormulas ?? true
  const drainEvery = options.drainEvery ?? 500
  return {
    format: 'xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: 'xlsx',
    async render(input: RenderInput, out: Writable): Promise<void> {
      const Excel = await load()
      const workbook = new Excel.stream.xlsx.WorkbookWriter({
        stream: out,
        useStyles: true,
        useSharedStrings: false,
      })
      workbook.creator = '@opskit/reports'
      workbook.created = input.generatedAt
      const sheetName =
        (options.sheetName ?? input.title).replace(/[\\/?*[\]:]/g, ' ').slice(0, 31) || 'Report'
      const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] })
      const columns = input.columns
      sheet.columns = columns.map((column) => ({
        key: column.key,
        width:
          column.format?.width ??
          Math.max(DEFAULT_WIDTH[column.type], Math.min(60, column.header.length + 2)),
      }))
      // The fixed style set: one object per column (shared by every cell of it), header, totals.
      const bodyStyles: Array<CellStyle | undefined> = columns.map((column) => {
        const numFmt = numFmtOf(column)
        return numFmt ? { numFmt } : undefined
      })
      const headerStyle: CellStyle = {
        font: { bold: true },
        fill: { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF4' } },
        border: { bottom: { style: 'thin' } },
      }
      const totalStyles: CellStyle[] = columns.map((column) => {
        const numFmt = numFmtOf(column)
        return { font: { bold: true }, border: { top: { style: 'thin' } }, ...(numFmt ? { numFmt } : {}) }
      })
      const header = sheet.addRow(columns.map((column) => column.header))
      header.eachCell((cell) => {
        cell.style = headerStyle
      })
      header.commit()
      const types = columns.map((column) => column.type)
      const escapes = columns.map((column) => column.format?.escapeFormulas ?? escapeDefault)
      const count = columns.length
      let rows = 0
      for await (const cells of input.rows) {
        const values = new Array<string | number | Date | null>(count)
        for (let i = 0; i < count; i++)
          values[i] = excelValue(
            types[i] as ColumnType,
            cells[i] ?? null,
            input.timezone,
            escapes[i] as boolean,
          )
        const row = sheet.addRow(values)
        for (let i = 0; i < count; i++) {
          const style = bodyStyles[i]
          if (style && values[i] !== null) row.getCell(i + 1).style = style
        }
        row.commit()
        if (++rows % drainEvery === 0) await applyBackpressure(sheet, out)
      }
      if (Object.keys(input.totalKinds).length > 0) {
        const totals = input.totals()
        const values = columns.map((column, i) =>
          excelValue(column.type, totals[i] ?? null, input.timezone, false),
        )
        if (values[0] === null && !input.totalKinds[columns[0]?.key ?? ''])
          values[0] = options.totalsLabel ?? 'Total'
        const row = sheet.addRow(values)
        for (let i = 0; i < count; i++) row.getCell(i + 1).style = totalStyles[i] as CellStyle
        row.commit()
      }
      sheet.commit()
      await workbook.commit()
      if (!out.writableEnded) out.end()
      if (!out.writableFinished)
        await new Promise<void>((resolve, reject) => {
          out.once('finish', resolve)
          out.once('error', reject)
        })
    },
  }
}
