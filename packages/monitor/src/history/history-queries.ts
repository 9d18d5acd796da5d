import { MonitorError } from '../errors/monitor-error.js'
import { matches } from '../labels/label-matchers.js'
import type { Labels } from '../labels/labels.js'
import type { Expr } from '../rules/promql/ast.js'
import type { Value } from '../rules/promql/evaluate.js'
import { parseExpr } from '../rules/promql/parser.js'
import { referencedMetrics } from '../rules/promql/referenced-metrics.js'
import { createSampleHistory, LOOKBACK_DELTA_MS, type SampleHistory } from '../rules/sample-history.js'
import { type HistoryBucket, HOUR_MS } from '../store/history-store.js'
import type { RecordingArchive } from './history-archive.js'

/** What a bucket of the persisted history shows as one point. */
export type HistoryAggregate = 'avg' | 'last' | 'min' | 'max' | 'sum' | 'count'

/** Points of a series over a time range, and how far back the answer is complete. */
export interface HistoryRange {
  series: Array<{ labels: Labels; points: Array<[number, number]> }>
  /**
   * Set when the range starts before what this monitor can answer: the earliest time its
   * answer is complete from (the in-memory history was pruned there and nothing is persisted).
   */
  availableFrom?: number
  /** Whether the points came from the persisted history (aggregated per bucket). */
  persisted: boolean
}

/** What the history queries read. */
export interface HistoryQueryContext {
  history: SampleHistory
  archive: () => RecordingArchive | undefined
  /** Whether a recording rule records this metric (only those are persisted). */
  recorded: (name: string) => boolean
  /** Instant evaluation over `history` at `at`, instant reads looking back `lookbackMs`. */
  evaluateAt: (expr: Expr, at: number, history: SampleHistory, lookbackMs?: number) => Value
  defaultAt: () => number
}

/** The earliest time of `name` a read needs, for an evaluation at `at`. */
const neededFrom = (at: number, rangeMs: number) => at - (rangeMs > 0 ? rangeMs : LOOKBACK_DELTA_MS)

/** The first metric of `expr` whose in-memory samples do not reach back far enough, and its cut. */
export function missingHistory(
  history: SampleHistory,
  expr: Expr,
  at: number,
): { name: string; cut: number } | undefined {
  for (const [name, range] of referencedMetrics(expr)) {
    const cut = history.prunedBefore(name)
    if (cut !== undefined && neededFrom(at, range) < cut) return { name, cut }
  }
  return undefined
}

/** Whether a read of `expr` at `at` starts before the oldest in-memory sample of a metric it reads. */
function beforeMemory(history: SampleHistory, expr: Expr, at: number): boolean {
  for (const [name, range] of referencedMetrics(expr)) {
    const oldest = history.oldest(name)
    if (oldest === undefined || neededFrom(at, range) < oldest) return true
  }
  return false
}

/** The typed error of a read beyond the in-memory history. */
export function historyUnavailable(name: string, cut: number, persisted: boolean): MonitorError {
  return new MonitorError(
    'MONITOR_HISTORY_UNAVAILABLE',
    `no samples of ${name} before ${new Date(cut).toISOString()} are kept in memory${
      persisted
        ? '; queryHistory() reads the persisted history of recorded metrics'
        : '; persisted history needs a store and a recording rule recording it'
    }`,
    { details: { metric: name, availableFrom: cut } },
  )
}

const bucketValue = (b: HistoryBucket, aggregate: HistoryAggregate): number => {
  switch (aggregate) {
    case 'avg':
      return b.sum / b.count
    case 'last':
      return b.last
    case 'min':
      return b.min
    case 'max':
      return b.max
    case 'sum':
      return b.sum
    case 'count':
      return b.count
  }
}

/** Evaluations and ranges reaching past the in-memory history, answered from the archive. */
export function createHistoryQueries(ctx: HistoryQueryContext) {
  /**
   * Loads the archived samples `expr` needs at `at` into a fresh history: each bucket's latest
   * sample at its own time, from one hour earlier (a coarse bucket ends before `at`); instant
   * reads then look back as far as the coarsest bucket loaded.
   */
  const loadArchived = async (archive: RecordingArchive, expr: Expr, at: number) => {
    const loaded = createSampleHistory()
    let lookbackMs = LOOKBACK_DELTA_MS
    for (const [name, range] of referencedMetrics(expr)) {
      for (const s of await archive.read(name, neededFrom(at, range) - HOUR_MS, at))
        for (const b of s.buckets) {
          if (b.lastAt > at) continue
          loaded.append({ name, labels: s.labels, value: b.last, timestamp: b.lastAt })
          lookbackMs = Math.max(lookbackMs, b.stepMs)
        }
    }
    return { loaded, lookbackMs }
  }
  return {
    /**
     * Evaluates `source` at `at` from memory when it holds what the expression reads, otherwise
     * from the persisted history of recording rules; `MONITOR_HISTORY_UNAVAILABLE` when neither can.
     */
    async queryHistory(source: string, options?: { at?: number }): Promise<Value> {
      const expr = parseExpr(source)
      const at = options?.at ?? ctx.defaultAt()
      const archive = ctx.archive()
      const names = [...referencedMetrics(expr).keys()]
      const persisted = archive !== undefined && names.every((name) => ctx.recorded(name))
      // memory answers when it reaches back far enough: nothing pruned there, and (for recorded
      // metrics, which the archive also has) samples from before the start of the read
      const missing = missingHistory(ctx.history, expr, at)
      const memoryLate = persisted && beforeMemory(ctx.history, expr, at)
      if (!missing && !memoryLate) return ctx.evaluateAt(expr, at, ctx.history)
      if (!archive || !persisted) throw historyUnavailable(missing?.name ?? '', missing?.cut ?? at, false)
      const { loaded, lookbackMs } = await loadArchived(archive, expr, at)
      return ctx.evaluateAt(expr, at, loaded, lookbackMs)
    },
    /**
     * Points of a plain selector in `[from, to]`: the persisted buckets of a recorded metric
     * (one point per bucket, `aggregate` of it, at its start), else the in-memory samples.
     */
    async rangeHistory(
      selector: Extract<Expr, { type: 'selector' }>,
      from: number,
      to: number,
      aggregate: HistoryAggregate,
    ): Promise<HistoryRange> {
      const archive = ctx.archive()
      const keep = (labels: Labels) => selector.matchers.every((m) => matches(m, labels))
      if (archive && ctx.recorded(selector.name)) {
        const series = (await archive.read(selector.name, from, to))
          .filter((s) => keep(s.labels))
          .map((s) => ({
            labels: s.labels,
            points: s.buckets.map((b): [number, number] => [b.start, bucketValue(b, aggregate)]),
          }))
        return { series, persisted: true }
      }
      const series = ctx.history.range(selector.name, from - 1, to).filter((s) => keep(s.labels))
      const cut = ctx.history.prunedBefore(selector.name)
      return { series, persisted: false, ...(cut !== undefined && from <= cut ? { availableFrom: cut } : {}) }
    },
  }
}
