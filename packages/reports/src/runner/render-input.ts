import type { ReportDefinition, ReportRow } from '../definition/report-definition.js'
import { ReportsError } from '../errors/reports-error.js'
import type { RenderInput } from '../render/renderer.js'
import { type Cell, createRowNormaliser } from '../render/values.js'
import { createTotals } from './totals.js'

const CURRENCY_CODE = /^[A-Z]{3}$/

/** Progress of a running report. */
export interface RowProgress {
  /** Rows rendered so far. */
  rows: number
}

/** Options of {@link createRenderInput}. */
export interface RenderInputOptions<P = unknown> {
  definition: ReportDefinition<P, unknown>
  params: Record<string, unknown>
  rows: AsyncIterable<ReportRow>
  generatedAt: Date
  locale: string
  timeZone: string
  signal?: AbortSignal | undefined
  onProgress?: ((progress: RowProgress) => void) | undefined
  /** Report progress every this many rows. @default 1000 */
  progressEvery?: number
}

/**
 * Normalises the currency column (trimmed, upper case) and checks that every money value that
 * takes its currency from it has one; returns undefined when no column does.
 */
function currencyCheck(
  definition: ReportDefinition<unknown>,
): ((cells: Cell[], rowNumber: number) => string | null) | undefined {
  const columns = definition.columns
  const key = columns.find((column) => column.format?.currencyColumn)?.format?.currencyColumn
  if (!key) return undefined
  const currencyIndex = columns.findIndex((column) => column.key === key)
  const money = columns.flatMap((column, index) => (column.format?.currencyColumn ? [index] : []))
  return (cells, rowNumber) => {
    const raw = cells[currencyIndex]
    const code = typeof raw === 'string' ? raw.trim().toUpperCase() : null
    cells[currencyIndex] = code === '' ? null : code
    if (code && CURRENCY_CODE.test(code)) return code
    for (const index of money) {
      if (cells[index] === null || cells[index] === undefined) continue
      throw new ReportsError(
        'REPORTS_INVALID_CURRENCY',
        `report "${definition.name}", row ${rowNumber}: money column "${columns[index]?.key}" has a value but its currency column "${key}" holds ${raw === null ? 'nothing' : JSON.stringify(raw)}, not an ISO 4217 code`,
      )
    }
    return null
  }
}

/**
 * Wraps a row source into a {@link RenderInput}: normalises rows, keeps totals and chart points,
 * counts rows, honours cancellation and reports progress.
 */
export function createRenderInput<P>(options: RenderInputOptions<P>): RenderInput & { rowCount(): number } {
  const { definition } = options
  const columns = definition.columns
  const normalise = createRowNormaliser(columns)
  const totalKinds = definition.totals ?? {}
  const totals = createTotals(columns, totalKinds)
  const hasTotals = Object.keys(totalKinds).length > 0
  const checkCurrency = currencyCheck(definition)
  const chart = definition.chart
  // A chart never puts two currencies on one axis: it plots the rows of the first currency seen.
  const chartByCurrency =
    !!checkCurrency &&
    !!chart?.y.some((key) => columns.find((column) => column.key === key)?.format?.currencyColumn)
  let chartCurrency: string | null = null
  const chartIndexes = chart
    ? [chart.x, ...chart.y].map((key) => columns.findIndex((c) => c.key === key))
    : []
  const chartLimit = chart?.maxPoints ?? 50
  const chartPoints: Cell[][] = []
  const every = options.progressEvery ?? 1000
  let count = 0
  async function* rows(): AsyncGenerator<Cell[]> {
    for await (const raw of options.rows) {
      if (options.signal?.aborted)
        throw new ReportsError('REPORTS_CANCELLED', `report "${definition.name}" was cancelled`)
      const cells = normalise(raw)
      const currency = checkCurrency ? checkCurrency(cells, count + 1) : null
      if (hasTotals) totals.add(cells)
      if (chart && chartPoints.length < chartLimit) {
        if (chartByCurrency && currency !== null) chartCurrency ??= currency
        if (!chartByCurrency || (currency !== null && currency === chartCurrency))
          chartPoints.push(chartIndexes.map((i) => cells[i] ?? null))
      }
      count++
      if (options.onProgress && count % every === 0) options.onProgress({ rows: count })
      yield cells
    }
    if (options.signal?.aborted)
      throw new ReportsError('REPORTS_CANCELLED', `report "${definition.name}" was cancelled`)
  }
  return {
    title: definition.title,
    name: definition.name,
    columns,
    rows: rows(),
    params: options.params,
    generatedAt: options.generatedAt,
    locale: options.locale,
    timeZone: options.timeZone,
    totalKinds,
    totalLines: () => (hasTotals ? totals.lines() : []),
    totals: () => totals.single(),
    chart,
    chartData: () => chartPoints,
    chartCurrency: () => chartCurrency,
    signal: options.signal,
    rowCount: () => count,
  }
}
