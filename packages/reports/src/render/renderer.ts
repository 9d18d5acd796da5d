import type { Writable } from 'node:stream'
import type { ReportChart, ReportColumn, TotalKind } from '../definition/report-definition.js'
import type { Cell } from './values.js'

/** One totals line: a report has one per currency when its money carries a per-row currency. */
export interface TotalsLine {
  /**
   * Currency of the line's money totals: the rows' currency (also in the currency column's
   * cell), or the fixed currency of the totalled money columns; `null` when there is none.
   */
  currency: string | null
  /** Totals aligned with `columns` (`null` where a column has none). */
  cells: Cell[]
}

/** Everything a renderer needs to write one report. */
export interface RenderInput {
  /** The report's title. */
  title: string
  /** The report's name. */
  name: string
  /** Columns in order; each row's cells follow this order. */
  columns: readonly ReportColumn[]
  /** Normalised rows (see {@link Cell}), streamed from the source. */
  rows: AsyncIterable<Cell[]>
  /** Validated parameters, for title blocks. */
  params: Readonly<Record<string, unknown>>
  /** When the report was generated. */
  generatedAt: Date
  /** BCP 47 locale for values formatted for people. */
  locale: string
  /** IANA time zone for dates and times shown to people and in XLSX cells. */
  timeZone: string
  /** Which columns are totalled and how. */
  totalKinds: Readonly<Record<string, TotalKind>>
  /**
   * The totals lines, one per currency (sorted by currency code), final once `rows` is
   * exhausted; empty for a report without totals.
   */
  totalLines(): TotalsLine[]
  /**
   * The single totals line (aligned with `columns`); throws `REPORTS_MIXED_CURRENCIES` when the
   * rows span several currencies, since money is never summed across currencies.
   */
  totals(): Cell[]
  /** The chart, if the report has one. */
  chart?: ReportChart | undefined
  /**
   * Chart points gathered from the first rows; complete once `rows` is exhausted. When the chart
   * shows money with a per-row currency, only rows of one currency (`chartCurrency()`) are used.
   */
  chartData(): Cell[][]
  /** The currency of the chart's money series, when they take it from a currency column. */
  chartCurrency(): string | null
  /** Aborted when the run is cancelled. */
  signal?: AbortSignal | undefined
}

/**
 * A format writer: reads `input.rows` and writes the encoded report to `out`, honouring
 * backpressure, then ends `out`. Add a format by implementing this interface and passing the
 * renderer to `createReports({ renderers })`.
 */
export interface Renderer {
  /** Format name used in `run(..., { format })`, e.g. `csv`. */
  readonly format: string
  /** MIME type of the output. */
  readonly contentType: string
  /** File extension without the dot. */
  readonly extension: string
  /** Writes the report to `out` and ends it; rejects when rendering fails. */
  render(input: RenderInput, out: Writable): Promise<void>
}
