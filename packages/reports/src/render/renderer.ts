import type { Writable } from 'node:stream'
import type { ReportChart, ReportColumn, TotalKind } from '../definition/report-definition.js'
import type { Cell } from './values.js'

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
  timezone: string
  /** Which columns are totalled and how. */
  totalKinds: Readonly<Record<string, TotalKind>>
  /** Totals per column (aligned with `columns`, `null` where none); final once `rows` is exhausted. */
  totals(): Cell[]
  /** The chart, if the report has one. */
  chart?: ReportChart
  /** Chart points gathered from the first rows; complete once `rows` is exhausted. */
  chartData(): Cell[][]
  /** Aborted when the run is cancelled. */
  signal?: AbortSignal
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
