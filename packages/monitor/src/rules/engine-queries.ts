import type { Clock } from '@opskit/core'
import type { RecordingArchive } from '../history/history-archive.js'
import { createHistoryQueries, historyUnavailable, missingHistory } from '../history/history-queries.js'
import { matches } from '../labels/label-matchers.js'
import type { Labels } from '../labels/labels.js'
import { type EvalContext, evaluate } from './promql/evaluate.js'
import { parseExpr } from './promql/parser.js'
import type { RuleEngine } from './rule-engine-types.js'
import { LOOKBACK_DELTA_MS, type SampleHistory } from './sample-history.js'
import type { Sample } from './sample-source.js'

/**
 * The evaluation context at `ts` over `history`; `instants` memoises instant reads within one
 * evaluation; `lookbackMs` widens instant reads (downsampled history).
 */
export function evalContextAt(
  history: SampleHistory,
  ts: number,
  instants = new Map<string, Sample[]>(),
  lookbackMs = LOOKBACK_DELTA_MS,
): EvalContext {
  return {
    at: ts,
    sawSeries: false,
    current: (name, offsetMs = 0) => {
      if (offsetMs !== 0) return history.instant(name, ts - offsetMs, lookbackMs)
      let list = instants.get(name)
      if (!list) {
        list = history.instant(name, ts, lookbackMs)
        instants.set(name, list)
      }
      return list
    },
    range: (name, rangeMs, offsetMs = 0) => history.range(name, ts - offsetMs - rangeMs, ts - offsetMs),
  }
}

/** What the read-only queries of the engine need. */
export interface EngineQueryContext {
  history: SampleHistory
  clock: Clock
  /** The last evaluation: its time and the samples it collected, by metric name. */
  last: () => { ts: number; byName: Map<string, Sample[]> } | undefined
  /** The persisted history of recording rules, when the monitor has one. */
  archive: () => RecordingArchive | undefined
  /** Whether a recording rule records this metric. */
  recorded: (name: string) => boolean
}

/** The engine's queries over kept samples: instant queries, series, metric and label names. */
export function createEngineQueries(
  ctx: EngineQueryContext,
): Pick<
  RuleEngine,
  'query' | 'queryHistory' | 'rangeHistory' | 'series' | 'metricNames' | 'labelNames' | 'labelValues'
> {
  const { history } = ctx
  const defaultAt = () => ctx.last()?.ts ?? ctx.clock.now()
  const lastLabels = (each: (labels: Labels) => void) => {
    for (const list of ctx.last()?.byName.values() ?? []) for (const s of list) each(s.labels)
  }
  return {
    ...createHistoryQueries({
      history,
      archive: ctx.archive,
      recorded: ctx.recorded,
      evaluateAt: (expr, at, from, lookbackMs) =>
        evaluate(expr, evalContextAt(from, at, undefined, lookbackMs)),
      defaultAt,
    }),
    query(source, queryOptions) {
      const expr = parseExpr(source)
      const at = queryOptions?.at ?? defaultAt()
      const missing = missingHistory(history, expr, at)
      if (missing) throw historyUnavailable(missing.name, missing.cut, ctx.archive() !== undefined)
      return evaluate(expr, evalContextAt(history, at))
    },
    series(source, from, to) {
      const expr = parseExpr(source)
      if (expr.type === 'selector') {
        const out: Array<{ labels: Labels; points: Array<[number, number]> }> = []
        for (const entry of history.range(expr.name, from - 1, to))
          if (expr.matchers.every((m) => matches(m, entry.labels))) out.push(entry)
        return out
      }
      const last = ctx.last()
      if (!last || last.ts < from || last.ts > to) return []
      const value = evaluate(expr, evalContextAt(history, last.ts))
      const at = last.ts
      if (value.kind === 'scalar') return [{ labels: {}, points: [[at, value.value]] }]
      return value.elements.map((e) => ({ labels: e.labels, points: [[at, e.value]] }))
    },
    metricNames: () => {
      const last = ctx.last()
      return last ? [...last.byName.keys()].sort() : []
    },
    labelValues(name) {
      const values = new Set<string>()
      lastLabels((labels) => {
        if (labels[name] !== undefined) values.add(labels[name] as string)
      })
      return [...values].sort()
    },
    labelNames() {
      const names = new Set<string>()
      lastLabels((labels) => {
        for (const k of Object.keys(labels)) names.add(k)
      })
      return [...names].sort()
    },
  }
}
