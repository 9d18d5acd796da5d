import type { HostDatabase } from '@opskit/core'
import type { Compilable } from 'kysely'
import type { ZodType } from 'zod'

/** The value types a report column can hold. */
export type ColumnType = 'string' | 'integer' | 'decimal' | 'money' | 'percent' | 'date' | 'datetime'

/** How a column is shown; every field is optional. */
export interface ColumnFormat {
  /**
   * Fixed ISO 4217 currency of a `money` column (e.g. `EUR`): every value of the column is in it.
   * A `money` column names its currency either here or through `currencyColumn`.
   */
  currency?: string
  /**
   * Key of the `string` column that holds each row's ISO 4217 currency, for a `money` column whose
   * rows carry different currencies. Totals are then kept per currency (one totals line each) and
   * never summed across currencies. All such money columns of a report name the same column.
   */
  currencyColumn?: string
  /** Digits after the decimal point where formatted for people (`decimal`, `money`, `percent`). */
  fractionDigits?: number
  /** An Excel number format for XLSX cells (e.g. `#,##0.00`); a sensible one is picked by type. */
  numFmt?: string
  /** Relative column width (characters in XLSX, a weight in PDF). */
  width?: number
  /** Set `false` to turn off formula-injection escaping for this text column. @default true */
  escapeFormulas?: boolean
}

/** One column of a report: the row key it reads, its header and its type. */
export interface ReportColumn {
  /** Key of the value in each row. */
  key: string
  /** Column header shown to people. */
  header: string
  /** Value type: drives formatting, XLSX cell types and totals. */
  type: ColumnType
  /** Optional formatting. */
  format?: ColumnFormat
}

/** A row as the query yields it. */
export type ReportRow = Record<string, unknown>

/** How a column is totalled at the end of the report. */
export type TotalKind = 'sum' | 'count' | 'avg' | 'min' | 'max'

/** A simple chart drawn in the PDF from the report's rows (first `maxPoints` rows). */
export interface ReportChart {
  /** Bars or a line per series. */
  type: 'bar' | 'line'
  /** Column key giving the category labels. */
  x: string
  /** Column keys of the numeric series. */
  y: readonly string[]
  /** Caption above the chart. */
  title?: string
  /** Rows used for the chart. @default 50 */
  maxPoints?: number
}

/** What a report's query receives besides the database and the parameters. */
export interface QueryContext {
  /** The IANA time zone the report is rendered in. */
  timeZone: string
  /** The generation time (from the reports clock). */
  now: Date
  /**
   * The tenant the report runs for (`''` without one): filter the host's rows by it so that a
   * tenant's report shows only its own data.
   */
  tenantId: string
  /**
   * Streams another query's rows from the read connection (the SQLite read connection or a
   * PostgreSQL cursor), for reports that post-process rows in JavaScript.
   */
  stream(query: Compilable<ReportRow>): AsyncIterable<ReportRow>
}

/** A Kysely query (anything with `compile()`), or an async iterable of rows. */
export type ReportSource = Compilable<ReportRow> | AsyncIterable<ReportRow>

/**
 * A report: its parameters, columns and the query that yields its rows. `P` is the type of the
 * parsed parameters the query receives, `I` the type callers pass to `run` (the schema's input:
 * fields with defaults are optional). `query` and `estimate` are methods so that any definition
 * fits a `ReportDefinition<unknown, I>`.
 */
export interface ReportDefinition<P = unknown, I = P> {
  /** Unique name, e.g. `sales-summary` (lowercase letters, digits, `-`, `_`, `.`). */
  readonly name: string
  /** Title shown in PDF/XLSX and used for file names. */
  readonly title: string
  /** zod schema of the parameters; `run` parses with it and names bad fields. */
  readonly params: ZodType<P, I>
  /** The columns, in order. */
  readonly columns: readonly ReportColumn[]
  /** Builds the query (Kysely query or async iterable) for validated parameters. */
  query(db: HostDatabase, params: P, context: QueryContext): ReportSource | Promise<ReportSource>
  /**
   * Totals per column key, written after the rows in every format and returned by `run`: one
   * totals line per currency when money columns take their currency from a `currencyColumn`.
   */
  readonly totals?: Readonly<Record<string, TotalKind>>
  /** An optional chart (PDF). */
  readonly chart?: ReportChart
  /** Optional row-count estimate for export progress. */
  estimate?(db: HostDatabase, params: P): Promise<number>
}
