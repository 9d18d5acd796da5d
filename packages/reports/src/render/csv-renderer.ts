import type { Writable } from 'node:stream'
import { quoteCsvField } from '@opskit/core'
import type { Renderer, RenderInput } from './renderer.js'
import { TextSink } from './text-sink.js'
import { type Cell, escapeFormula, humanFormatter, machineValue } from './values.js'

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
  /** Prefix `'` to text starting with `=`, `+`, `-`, `@`, tab, CR or LF. @default true */
  escapeFormulas?: boolean
}

/**
 * CSV per RFC 4180: fields with the delimiter, a quote, CR or LF are quoted and quotes doubled;
 * formula-injection safe by default (numbers are never touched).
 */
export function createCsvRenderer(options: CsvOptions = {}): Renderer {
  const delimiter = options.delimiter ?? ','
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n') {
    throw new TypeError('CSV delimiter must be one character other than a quote or a line break')
  }
  const newline = options.newline ?? '\r\n'
  const escapeDefault = options.escapeFormulas ?? true
  const quote = (text: string) => quoteCsvField(text, delimiter)

  return {
    format: 'csv',
    contentType: 'text/csv; charset=utf-8',
    extension: 'csv',
    async render(input: RenderInput, out: Writable): Promise<void> {
      const sink = new TextSink(out)
      const encoders = input.columns.map((column): ((cell: Cell) => string) => {
        const guard = column.type === 'string' && (column.format?.escapeFormulas ?? escapeDefault)
        if (options.localized) {
          const human = humanFormatter(column, input)
          return guard ? (cell) => quote(escapeFormula(human(cell))) : (cell) => quote(human(cell))
        }
        if (column.type === 'string')
          return guard
            ? (cell) => (cell === null ? '' : quote(escapeFormula(cell as string)))
            : (cell) => (cell === null ? '' : quote(cell as string))
        if (column.type === 'datetime')
          return (cell) => (cell === null ? '' : String(machineValue('datetime', cell)))
        return (cell) => (cell === null ? '' : String(cell))
      })
      const count = encoders.length
      if (options.bom) sink.push('\uFEFF')
      if (options.header ?? true) {
        sink.push(input.columns.map((column) => quote(column.header)).join(delimiter) + newline)
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
