import type { HistoryAggregate } from '../history/history-queries.js'
import { parseExpr } from '../rules/promql/parser.js'
import type { GrafanaSource } from './grafana-handler.js'

const AGGREGATES: ReadonlySet<string> = new Set(['avg', 'last', 'min', 'max', 'sum', 'count'])

/** A time series of the SimpleJSON `/query` answer. */
interface TimeSeriesResult {
  target: string
  refId: unknown
  datapoints: Array<[number, number]>
  /** Only when the range starts before what the monitor can answer (see the README). */
  meta?: { availableFrom: number; persisted: false }
}

/** A Grafana time (ms or an ISO string) in ms, else `fallback`. */
export function toMs(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    const t = Date.parse(value)
    if (!Number.isNaN(t)) return t
  }
  return fallback
}

function downsample(points: Array<[number, number]>, max: number): Array<[number, number]> {
  if (max <= 0 || points.length <= max) return points
  const stride = Math.ceil(points.length / max)
  const out: Array<[number, number]> = []
  for (let i = 0; i < points.length; i += stride) {
    const bucket = points.slice(i, i + stride)
    out.push([
      (bucket[bucket.length - 1] as [number, number])[0],
      bucket.reduce((s, p) => s + p[1], 0) / bucket.length,
    ])
  }
  return out
}

function seriesName(labels: Record<string, string>, target: string): string {
  const entries = Object.entries(labels)
  return entries.length === 0 ? target : `{${entries.map(([k, v]) => `${k}="${v}"`).join(', ')}}`
}

/** The aggregate a target asks for in its payload (`{ "aggregate": "max" }`), `avg` by default. */
function aggregateOf(t: Record<string, unknown>): HistoryAggregate {
  const payload = (t.payload ?? t.data) as Record<string, unknown> | undefined
  const asked = payload?.aggregate
  return typeof asked === 'string' && AGGREGATES.has(asked) ? (asked as HistoryAggregate) : 'avg'
}

/** The ALERTS table. */
function alertsTable(source: GrafanaSource) {
  return {
    type: 'table',
    columns: [
      { text: 'alertname', type: 'string' },
      { text: 'state', type: 'string' },
      { text: 'labels', type: 'string' },
      { text: 'value', type: 'number' },
      { text: 'activeAt', type: 'time' },
    ],
    rows: source
      .alerts()
      .map((a) => [a.labels.alertname ?? a.rule, a.state, JSON.stringify(a.labels), a.value, a.activeAt]),
  }
}

/** One target's time series over `[from, to]`. */
async function targetSeries(
  source: GrafanaSource,
  t: Record<string, unknown>,
  target: string,
  range: { from: number; to: number; maxDataPoints: number },
): Promise<TimeSeriesResult[]> {
  const expr = parseExpr(target)
  const { from, to, maxDataPoints } = range
  if (expr.type === 'selector' && expr.rangeMs === undefined && !expr.offsetMs) {
    const answer = await source.engine.rangeHistory(expr, from, to, aggregateOf(t))
    const meta =
      answer.availableFrom === undefined
        ? {}
        : { meta: { availableFrom: answer.availableFrom, persisted: false as const } }
    const out: TimeSeriesResult[] = answer.series.map((s) => ({
      target: seriesName(s.labels, target),
      refId: t.refId,
      datapoints: downsample(s.points, maxDataPoints).map(([time, value]) => [value, time]),
      ...meta,
    }))
    if (out.length === 0 && answer.availableFrom !== undefined)
      out.push({ target, refId: t.refId, datapoints: [], ...meta })
    return out
  }
  return source.engine.series(target, from, to).map((s) => ({
    target: seriesName(s.labels, target),
    refId: t.refId,
    datapoints: downsample(s.points, maxDataPoints).map(([time, value]) => [value, time]),
  }))
}

/**
 * The SimpleJSON `/query` answer: plain selectors over the range (recorded metrics from the
 * persisted history, per bucket), other expressions at the last evaluation, `ALERTS` as a table.
 */
export async function grafanaQuery(source: GrafanaSource, body: Record<string, unknown>): Promise<unknown[]> {
  const range = (body.range ?? {}) as Record<string, unknown>
  const to = toMs(range.to, Date.now())
  const from = toMs(range.from, to - 3_600_000)
  const maxDataPoints = typeof body.maxDataPoints === 'number' ? body.maxDataPoints : 1000
  const targets = Array.isArray(body.targets) ? (body.targets as Array<Record<string, unknown>>) : []
  const out: unknown[] = []
  for (const t of targets) {
    const target = typeof t.target === 'string' ? t.target : ''
    if (!target || t.hide === true) continue
    if (target === 'ALERTS' || t.type === 'table') out.push(alertsTable(source))
    else out.push(...(await targetSeries(source, t, target, { from, to, maxDataPoints })))
  }
  return out
}
