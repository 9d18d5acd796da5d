import type { ReportDefinition, ReportRow, TotalKind } from '../definition/report-definition.js'
import { ReportError } from '../errors/reports-error.js'
import type { RenderInput } from '../render/renderer.js'
import { type Cell, createRowNormaliser } from '../render/values.js'

/** Progress of a running report. */
export interface RowProgress {
  /** Rows rendered so far. */
  rows: number
}

/** Options of {@link createRenderInput}. */
export interface RenderInputOptions<P = unknown> {
  definition: ReportDefinition<P>
  params: Record<string, unknown>
  rows: AsyncIterable<ReportRow>
  generatedAt: Date
  locale: string
  timezone: string
  signal?: AbortSignal
  onProgress?: (progress: RowProgress) => void
  /** Report progress every this many rows. @default 1000 */
  progressEvery?: number
}

function accumulate(kind: TotalKind) {
  let sum = 0
  let count = 0
  let best: Cell = null
  return {
    add(cell: Cell) {
      if (cell === null) return
      count++
      if (kind === 'sum' || kind === 'avg') sum += cell as number
      else if (kind === 'min' && (best === null || cell < best)) best = cell
      else if (kind === 'max' && (best === null || cell > best)) best = cell
    },
    value(): Cell {
      switch (kind) {
        case 'sum':
          return Math.round(sum * 1e9) / 1e9
        case 'count':
          return count
        case 'avg':
          return count === 0 ? null : sum / count
        default:
          return best
      }
    },
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
  const totalSlots = columns.map((column) => {
    const kind = totalKinds[column.key]
    return kind ? accumulate(kind) : undefined
  })
  const active = totalSlots.flatMap((slot, index) => (slot ? [[index, slot] as const] : []))
  const chart = definition.chart
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
        throw new ReportError('REPORT_CANCELLED', `report "${definition.name}" was cancelled`)
      const cells = normalise(raw)
      for (const [index, slot] of active) slot.add(cells[index] ?? null)
      if (chart && chartPoints.length < chartLimit)
        chartPoints.push(chartIndexes.map((i) => cells[i] ?? null))
      count++
      if (options.onProgress && count % every === 0) options.onProgress({ rows: count })
      yield cells
    }
    if (options.signal?.aborted)
      throw new ReportError('REPORT_CANCELLED', `report "${definition.name}" was cancelled`)
  }
  return {
    title: definition.title,
    name: definition.name,
    columns,
    rows: rows(),
    params: options.params,
    generatedAt: options.generatedAt,
    locale: options.locale,
    timezone: options.timezone,
    totalKinds,
    totals: () => totalSlots.map((slot) => (slot ? slot.value() : null)),
    ...(chart ? { chart } : {}),
    chartData: () => chartPoints,
    ...(options.signal ? { signal: options.signal } : {}),
    rowCount: () => count,
  }
}
