import type { Writable } from 'node:stream'
import type { ColumnType, ReportColumn } from '../definition/report-definition.js'
import { ReportsError } from '../errors/reports-error.js'
import type { Renderer, RenderInput } from '../render/renderer.js'
import { endStream } from '../render/text-sink.js'
import { type Cell, escapeFormula } from '../render/values.js'
import {
  APP_PROPERTIES,
  type CellFormat,
  columnName,
  contentTypes,
  coreProperties,
  createWallClockConverter,
  dateSerial,
  EXCEL_MAX_CELL_CHARS,
  EXCEL_MAX_COLUMNS,
  EXCEL_MAX_ROWS,
  escapeXml,
  excelSerial,
  numberText,
  ROOT_RELS,
  StyleTable,
  stripInvalidXml,
  WORKSHEET_END,
  workbookRels,
  workbookXml,
  worksheetStart,
} from './spreadsheet-ml.js'
import { Utf8Chunker } from './utf8-chunker.js'
import { type ZipEntryWriter, ZipWriter } from './zip-writer.js'

/** Options of {@link createXlsxRenderer}. */
export interface XlsxOptions {
  /** Worksheet name (at most 31 characters). @default the report title */
  sheetName?: string
  /** Prefix `'` to text cells starting with `=`, `+`, `-`, `@`, tab, CR or LF. @default true */
  escapeFormulas?: boolean
  /** Label written in the first cell of the totals row when that column has no total. @default 'Total' */
  totalsLabel?: string
  /** zlib deflate level of the ZIP container, 1 (fastest) to 9 (smallest). @default 6 */
  compressionLevel?: number
  /**
   * Rows per worksheet including its header row (Excel opens at most 1,048,576); later rows
   * continue on `<sheet name> (2)`, `(3)`, … each with its own header. @default 1048576
   */
  maxRowsPerSheet?: number
}

/**
 * Bytes of worksheet XML handed to the compressor at a time, from two reused buffers (larger
 * chunks, or a fresh buffer per chunk, leave more dead memory outside the JS heap between
 * collections and are no faster).
 */
const XML_CHUNK_BYTES = 16 * 1024

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

function moneyFormat(column: ReportColumn, currency: string | null | undefined): string {
  const digits = column.format?.fractionDigits ?? 2
  const base = digits > 0 ? `#,##0.${'0'.repeat(digits)}` : '#,##0'
  return currency ? `${base} "${currency}"` : base
}

/** The number format of a column's cells; a money column's shows the currency (`row` for per-row ones). */
function numFmtOf(column: ReportColumn, rowCurrency?: string | null): string | undefined {
  if (column.format?.numFmt) return column.format.numFmt
  if (column.type === 'money') return moneyFormat(column, column.format?.currency ?? rowCurrency)
  return DEFAULT_NUMFMT[column.type]
}

/** Text as an inline-string cell body (`<is>`), cut to Excel's 32,767 characters. */
function inlineText(text: string): string {
  const cut = text.length > EXCEL_MAX_CELL_CHARS ? text.slice(0, EXCEL_MAX_CELL_CHARS) : text
  const escaped = escapeXml(cut)
  const first = escaped.charCodeAt(0)
  const last = escaped.charCodeAt(escaped.length - 1)
  // Leading or trailing whitespace survives only with xml:space="preserve".
  const preserve = first <= 32 || last <= 32
  return preserve ? `<is><t xml:space="preserve">${escaped}</t></is>` : `<is><t>${escaped}</t></is>`
}

/**
 * Turns one cell of a column into its `<c>` element; `row` is the row number as text (see
 * {@link numberText}) and `cells` the whole row (for its currency).
 */
type CellEncoder = (cell: Cell, row: string, cells: readonly Cell[]) => string

/**
 * The encoder of a money column whose currency comes from another column of the row: each
 * currency gets its own style, so every amount shows its own currency.
 */
function perRowMoneyEncoder(
  column: ReportColumn,
  ref: string,
  currencyIndex: number,
  styleOf: (numFmt: string | undefined) => number,
): CellEncoder {
  const encoders = new Map<string, CellEncoder>()
  return (cell, row, cells) => {
    const currency = cells[currencyIndex]
    const key = typeof currency === 'string' ? currency : ''
    let encode = encoders.get(key)
    if (!encode) {
      const style = styleOf(numFmtOf(column, key || null))
      encode = cellEncoder(column, ref, style, false, () => 0)
      encoders.set(key, encode)
    }
    return encode(cell, row, cells)
  }
}

/** Encodes the cells of a column, picking the per-row currency style where the column has one. */
function columnEncoder(
  columns: readonly ReportColumn[],
  index: number,
  styleOf: (numFmt: string | undefined) => number,
  guard: boolean,
  toWall: (epochMs: number) => number,
): CellEncoder {
  const column = columns[index] as ReportColumn
  const ref = columnName(index)
  const currencyKey = column.format?.currencyColumn
  if (currencyKey && !column.format?.numFmt) {
    const currencyIndex = columns.findIndex((other) => other.key === currencyKey)
    return perRowMoneyEncoder(column, ref, currencyIndex, styleOf)
  }
  return cellEncoder(column, ref, styleOf(numFmtOf(column)), guard, toWall)
}

function cellEncoder(
  column: ReportColumn,
  ref: string,
  style: number,
  guard: boolean,
  toWall: (epochMs: number) => number,
): CellEncoder {
  const s = style > 0 ? ` s="${style}"` : ''
  const open = `<c r="${ref}`
  switch (column.type) {
    case 'string':
      return guard
        ? (cell, row) => `${open}${row}"${s} t="inlineStr">${inlineText(escapeFormula(cell as string))}</c>`
        : (cell, row) => `${open}${row}"${s} t="inlineStr">${inlineText(cell as string)}</c>`
    case 'date':
      return (cell, row) => `${open}${row}"${s}><v>${numberText(dateSerial(cell as string))}</v></c>`
    case 'datetime':
      return (cell, row) => `${open}${row}"${s}><v>${numberText(excelSerial(toWall(cell as number)))}</v></c>`
    default:
      return (cell, row) => `${open}${row}"${s}><v>${numberText(cell as number)}</v></c>`
  }
}

function sheetNameOf(options: XlsxOptions, title: string): string {
  // Excel forbids \ / ? * [ ] : in sheet names, a leading or trailing apostrophe, and > 31 chars.
  const cleaned = stripInvalidXml(options.sheetName ?? title)
    .replace(/[\\/?*[\]:]/g, ' ')
    .replace(/^'+|'+$/g, '')
    .slice(0, 31)
    .trim()
  return cleaned || 'Report'
}

/** Each column's width: its configured one, else its type's default widened to fit the header (up to 60). */
function columnWidths(columns: readonly ReportColumn[]): number[] {
  return columns.map(
    (column) =>
      column.format?.width ?? Math.max(DEFAULT_WIDTH[column.type], Math.min(60, column.header.length + 2)),
  )
}

/** The header row's cells (row 1), in `headerStyle`. */
function headerRowCells(
  columns: readonly ReportColumn[],
  refs: readonly string[],
  headerStyle: number,
): string {
  return columns
    .map(
      (column, i) => `<c r="${refs[i]}1" s="${headerStyle}" t="inlineStr">${inlineText(column.header)}</c>`,
    )
    .join('')
}

/** Writes the workbook's parts besides its worksheets (workbook, styles, properties, relations) and ends the ZIP. */
async function finishWorkbook(
  zip: ZipWriter,
  input: RenderInput,
  sheetNames: readonly string[],
  styles: StyleTable,
): Promise<void> {
  await zip.addEntry('xl/workbook.xml', workbookXml(sheetNames))
  await zip.addEntry('xl/_rels/workbook.xml.rels', workbookRels(sheetNames.length))
  await zip.addEntry('xl/styles.xml', styles.toXml())
  await zip.addEntry('docProps/core.xml', coreProperties(input.title, '@opskit/reports', input.generatedAt))
  await zip.addEntry('docProps/app.xml', APP_PROPERTIES)
  await zip.addEntry('_rels/.rels', ROOT_RELS)
  await zip.addEntry('[Content_Types].xml', contentTypes(sheetNames.length))
  await zip.finish()
}

/**
 * XLSX written directly as SpreadsheetML into a streaming ZIP (no spreadsheet library): inline
 * strings, a small fixed style table (header, one number format per column, totals), numbers as
 * numeric cells, dates as serials with a date format, a frozen header row, column widths and a
 * bold totals row. Each row is encoded and deflated as it arrives, so memory stays flat
 * whatever the row count. Loads nothing beyond Node's `zlib`.
 */
export function createXlsxRenderer(options: XlsxOptions = {}): Renderer {
  const escapeDefault = options.escapeFormulas ?? true
  const level = options.compressionLevel ?? 6
  if (!Number.isInteger(level) || level < 1 || level > 9)
    throw new TypeError('XLSX compressionLevel must be an integer from 1 to 9')
  const maxRows = options.maxRowsPerSheet ?? EXCEL_MAX_ROWS
  if (!Number.isInteger(maxRows) || maxRows < 2 || maxRows > EXCEL_MAX_ROWS)
    throw new TypeError(`XLSX maxRowsPerSheet must be an integer from 2 to ${EXCEL_MAX_ROWS}`)
  return {
    format: 'xlsx',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: 'xlsx',
    async render(input: RenderInput, out: Writable): Promise<void> {
      const columns = input.columns
      if (columns.length > EXCEL_MAX_COLUMNS)
        throw new ReportsError(
          'REPORTS_RENDER_FAILED',
          `XLSX holds at most ${EXCEL_MAX_COLUMNS} columns; report "${input.name}" has ${columns.length}`,
        )
      const zip = new ZipWriter(out, { level, modifiedAt: input.generatedAt })
      const styles = new StyleTable()
      const headerStyle = styles.indexOf({ bold: true, fill: true, border: 'bottom' })
      const refs = columns.map((_, i) => columnName(i))
      const toWall = createWallClockConverter(input.timeZone)
      const bodyStyle = (numFmt: string | undefined) => styles.indexOf(numFmt ? { numFmt } : {})
      const totalStyle = (numFmt: string | undefined) =>
        styles.indexOf({ bold: true, border: 'top', ...(numFmt ? { numFmt } : {}) } satisfies CellFormat)
      const encoders = columns.map((column, i) => {
        const guard = column.type === 'string' && (column.format?.escapeFormulas ?? escapeDefault)
        return columnEncoder(columns, i, bodyStyle, guard, toWall)
      })
      const totalEncoders = columns.map((_, i) => columnEncoder(columns, i, totalStyle, false, toWall))
      const labelEncoder = cellEncoder(
        { key: '', header: '', type: 'string' },
        'A',
        styles.indexOf({ bold: true, border: 'top' }),
        false,
        toWall,
      )
      const widths = columnWidths(columns)
      const headerCells = headerRowCells(columns, refs, headerStyle)
      const baseName = sheetNameOf(options, input.title)
      const sheetNames: string[] = []

      let entry: ZipEntryWriter | undefined
      // Each row's XML is copied into UTF-8 chunks as soon as it is built (see Utf8Chunker); the
      // chunks come from two reused buffers, since the compressor consumes each before the next.
      const chunker = new Utf8Chunker({ size: XML_CHUNK_BYTES, recycle: true })
      let row = 0
      const send = (chunk: Buffer | undefined) =>
        chunk && chunk.length > 0 ? entry?.write(chunk) : undefined
      const openSheet = async () => {
        if (entry) await closeSheet()
        const number = sheetNames.length + 1
        const suffix = number === 1 ? '' : ` (${number})`
        sheetNames.push(`${baseName.slice(0, 31 - suffix.length)}${suffix}`)
        entry = await zip.openEntry(`xl/worksheets/sheet${number}.xml`)
        await send(chunker.push(`${worksheetStart(widths, number === 1)}<row r="1">${headerCells}</row>`))
        row = 1
      }
      const closeSheet = async () => {
        await send(chunker.push(WORKSHEET_END))
        await send(chunker.take())
        await entry?.end()
        entry = undefined
      }

      const count = columns.length
      const writeRows = async () => {
        for await (const cells of input.rows) {
          if (row >= maxRows) await openSheet()
          row++
          const rowText = numberText(row)
          let xml = `<row r="${rowText}">`
          for (let i = 0; i < count; i++) {
            const cell = cells[i]
            if (cell !== null && cell !== undefined) xml += (encoders[i] as CellEncoder)(cell, rowText, cells)
          }
          const wait = send(chunker.push(`${xml}</row>`))
          if (wait) await wait
        }
        // One totals row per currency: money is never summed across currencies.
        for (const line of input.totalLines()) {
          if (row >= maxRows) await openSheet()
          row++
          const rowText = numberText(row)
          let xml = `<row r="${rowText}">`
          for (let i = 0; i < count; i++) {
            const cell = line.cells[i] ?? null
            if (cell !== null) xml += (totalEncoders[i] as CellEncoder)(cell, rowText, line.cells)
            else if (i === 0) xml += labelEncoder(options.totalsLabel ?? 'Total', rowText, line.cells)
          }
          await send(chunker.push(`${xml}</row>`))
        }
        await closeSheet()
      }

      try {
        await openSheet()
        await writeRows()
      } catch (error) {
        // Release the compressor of the unfinished sheet; the caller discards the output.
        entry?.destroy()
        throw error
      }
      await finishWorkbook(zip, input, sheetNames, styles)
      await endStream(out)
    },
  }
}
