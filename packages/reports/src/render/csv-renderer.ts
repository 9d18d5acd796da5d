import type { Writable } from 'node:stream'
import { quoteCsvField } from '@opskit/core'
import { neutraliseCsvText, quoteCsvText } from './csv-field.js'
import type { Renderer, RenderInput } from './renderer.js'
import { TextSink } from './text-sink.js'
import { type Cell, humanFormatter, machineValue } from './values.js'

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
   * Prefix `'` to every piece of a text field that a spreadsheet could read as a formula: the
   * field's start and whatever follows a `,`, `;`, tab, `|` or line break, when it is `=`, `+`,
   * `-`, `@`, tab, CR or LF. @default true
   */
  escapeFormulas?: boolean
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
  const text = (guard: boolean) =>
    guard ? (value: string) => quoteCsvText(neutraliseCsvText(value)) : quoteCsvText

  return {
    format: 'csv',
    contentType: 'text/csv; charset=utf-8',
    extension: 'csv',
    async render(input: RenderInput, out: Writable): Promise<void> {
      const sink = new TextSink(out)
      const encoders = input.columns.map((column): ((cell: Cell) => string) => {
        if (column.type === 'string') {
          const encode = text(column.format?.escapeFormulas ?? escapeDefault)
          return (cell) => (cell === null ? '' : encode(cell as string))
        }
        if (options.localized) {
          const human = humanFormatter(column, input)
          return (cell) => quote(human(cell))
        }
        // Machine values hold digits, letters, `.`, `-`, `+` and `:` only: quote them when the
        // delimiter is one of those.
        const plain = MACHINE_CHARS.test(delimiter) ? quote : (value: string) => value
        if (column.type === 'datetime')
          return (cell) => (cell === null ? '' : plain(String(machineValue('datetime', cell))))
        return (cell) => (cell === null ? '' : plain(String(cell)))
      })
      const count = encoders.length
      if (options.bom) sink.push('\uFEFF')
      if (options.header ?? true) {
        const header = text(escapeDefault)
        sink.push(input.columns.map((column) => header(column.header)).join(delimiter) + newline)
      }
      for await (const cells of input.rows) {
        let line = (encoders[0] as (c: Cell) => string)(cells[0] ?? null)
        for (let i = 1; i < count; i++)
          line += delimiter + (encoders[i] as (c: Cell) => string)(cells[i] ?? null)
        const wait = sink.push(line + newline)
        if (wait) await wait
      }
      await sink.end()
    },
  }
}
