import type { Writable } from 'node:stream'
import { encodeCsvText, quoteCsvField } from '@opskit/core/internal'
import { numberText } from '../xlsx/spreadsheet-ml.js'
import { Utf8Chunker } from '../xlsx/utf8-chunker.js'
import type { Renderer, RenderInput } from './renderer.js'
import { endStream, waitForDrain } from './text-sink.js'
import { type Cell, humanRowFormatter, machineValue } from './values.js'

const MACHINE_CHARS = /[0-9A-Za-z.:+-]/

/** Options of {@link createCsvRenderer}. */
export interface CsvOptions {
  /** Field delimiter (one character, not a quote or line break). @default ',' */
  delimiter?: string
  /** Start with a UTF-8 BOM so Excel detects the encoding. @default false */
  bom?: boolean
  /** Record separator. @default '\r\n' (RFC 4180) */
  newline?: '\r\n' | '\n'
  /** Write the header record. @default true */
  header?: boolean
  /** Format numbers and dates for people (locale, time zone) instead of raw machine values. @default false */
  localized?: boolean
  /**
   * Write the totals after the rows: one record per currency (the report's money is never
   * summed across currencies), with `Total` in the first cell when that column has no total.
   * @default true
   */
  totals?: boolean
  /**
   * Prefix `'` to every piece of a text field that a spreadsheet could read as a formula: the
   * field's start and whatever follows a `,`, `;`, tab, `|` or line break, when it is `=`, `+`,
   * `-`, `@`, tab, CR or LF. @default true
   */
  escapeFormulas?: boolean
}

interface RowEncoding {
  delimiter: string
  localized: boolean
  /** Encoder of a text field, with or without formula neutralisation. */
  text(neutralise: boolean): (value: string) => string
  /** Quotes a non-text field when it needs it. */
  quote(value: string): string
  escapeDefault: boolean
}

/** Builds the function that turns one row of cells into a CSV record (without the line break). */
function rowEncoder(input: RenderInput, encoding: RowEncoding): (cells: readonly Cell[]) => string {
  const { delimiter, text, quote } = encoding
  // Machine values hold digits, letters, `.`, `-`, `+` and `:` only: quote them when the
  // delimiter is one of those.
  const plain = MACHINE_CHARS.test(delimiter) ? quote : (value: string) => value
  const encoders = input.columns.map((column): ((cell: Cell, shown: string) => string) => {
    if (column.type === 'string') {
      const encode = text(column.format?.escapeFormulas ?? encoding.escapeDefault)
      return (cell) => (cell === null ? '' : encode(cell as string))
    }
    if (encoding.localized) return (_cell, shown) => quote(shown)
    if (column.type === 'datetime')
      return (cell) => (cell === null ? '' : plain(String(machineValue('datetime', cell))))
    // Not String(): numbers formatted through it stay in V8's number-to-string cache and
    // survive young-generation collections (see numberText).
    return (cell) => (cell === null ? '' : plain(numberText(cell as number)))
  })
  const human = encoding.localized ? humanRowFormatter(input.columns, input) : undefined
  const count = encoders.length
  return (cells) => {
    const shown = human ? human(cells) : []
    let line = ''
    for (let i = 0; i < count; i++) {
      if (i > 0) line += delimiter
      line += (encoders[i] as (cell: Cell, shown: string) => string)(cells[i] ?? null, shown[i] ?? '')
    }
    return line
  }
}

/**
 * CSV per RFC 4180: text fields are always quoted (quotes doubled), other fields when they hold
 * the delimiter, a quote, CR or LF; formula-injection safe by default whatever list separator
 * the spreadsheet splits on (numbers are never touched).
 */
export function createCsvRenderer(options: CsvOptions = {}): Renderer {
  const delimiter = options.delimiter ?? ','
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new TypeError('CSV delimiter must be one character other than a quote or a line break')
  }
  const newline = options.newline ?? '\r\n'
  const escapeDefault = options.escapeFormulas ?? true
  const quote = (text: string) => quoteCsvField(text, delimiter)
  const text = (neutralise: boolean) => (value: string) => encodeCsvText(value, { neutralise })

  return {
    format: 'csv',
    contentType: 'text/csv; charset=utf-8',
    extension: 'csv',
    async render(input: RenderInput, out: Writable): Promise<void> {
      // Each record is copied into UTF-8 chunks as soon as it is built (see Utf8Chunker): a
      // string accumulated over many records survives young-generation collections.
      const chunker = new Utf8Chunker()
      const send = (chunk: Buffer | undefined) =>
        chunk && chunk.length > 0 && !out.write(chunk) ? waitForDrain(out) : undefined
      const encodeRow = rowEncoder(input, {
        delimiter,
        localized: options.localized ?? false,
        text,
        quote,
        escapeDefault,
      })
      if (options.bom) await send(chunker.push('\uFEFF'))
      if (options.header ?? true) {
        const header = text(escapeDefault)
        await send(
          chunker.push(input.columns.map((column) => header(column.header)).join(delimiter) + newline),
        )
      }
      for await (const cells of input.rows) {
        const wait = send(chunker.push(encodeRow(cells) + newline))
        if (wait) await wait
      }
      if (options.totals ?? true) {
        const label = text(escapeDefault)('Total')
        for (const line of input.totalLines()) {
          const encoded = encodeRow(line.cells)
          await send(chunker.push((line.cells[0] === null ? label : '') + encoded + newline))
        }
      }
      await send(chunker.take())
      await endStream(out)
    },
  }
}
