import { MonitorError } from '../../errors/monitor-error.js'
import { matches } from '../../labels/label-matchers.js'
import type { Labels } from '../../labels/labels.js'
import type { Sample } from '../sample-source.js'
import { aggregateVector, type VectorElement } from './aggregations.js'
import type { Expr, SelectorExpr } from './ast.js'
import { binary, type Value } from './binary-ops.js'
import { histogramQuantile } from './histogram-quantile.js'
import { linearRegression, rangeValue } from './range-functions.js'

export type { Value, VectorElement }

/** The samples an evaluation reads, as of the evaluation time `at`. */
export interface EvalContext {
  at: number
  /**
   * The instant vector of `name` at `at - offsetMs`: each series' latest sample within the
   * lookback (5 minutes, left-open as in Prometheus 3), none for a series whose latest entry is
   * a staleness marker (it vanished from a collection, as a Prometheus scrape marks it).
   */
  current(name: string, offsetMs?: number): readonly Sample[]
  /**
   * Points `[t, v]` of series of `name` with `t` in `(end - rangeMs, end]` (left-open, as in
   * Prometheus 3), grouped by series, where `end` is `at - offsetMs`; staleness markers left out.
   */
  range(
    name: string,
    rangeMs: number,
    offsetMs?: number,
  ): ReadonlyArray<{ labels: Labels; points: ReadonlyArray<readonly [number, number]> }>
  /** Set when a selector matched at least one series. */
  sawSeries: boolean
}

type Node<T extends Expr['type']> = Extract<Expr, { type: T }>
type VectorValue = Extract<Value, { kind: 'vector' }>

/** Evaluates a parsed expression at `ctx.at`: one function per kind of node. */
export function evaluate(expr: Expr, ctx: EvalContext): Value {
  switch (expr.type) {
    case 'number':
      return { kind: 'scalar', value: expr.value }
    case 'neg':
      return evaluateNegation(expr, ctx)
    case 'selector':
      return evaluateSelector(expr, ctx)
    case 'range-fn':
      return evaluateRangeFunction(expr, ctx)
    case 'predict-linear':
      return evaluatePredictLinear(expr, ctx)
    case 'absent':
      return evaluateAbsent(expr, ctx)
    case 'quantile':
      return evaluateHistogramQuantile(expr, ctx)
    case 'aggregation':
      return evaluateAggregation(expr, ctx)
    case 'binary':
      return binary(
        expr.op,
        evaluate(expr.left, ctx),
        evaluate(expr.right, ctx),
        expr.matching,
        expr.returnBool === true,
      )
  }
}

function selectorMatches(expr: SelectorExpr, labels: Labels): boolean {
  for (const m of expr.matchers) if (!matches(m, labels)) return false
  return true
}

/** The labels of `absent()`'s element: those the selector pins with `=` (as Prometheus). */
function absentLabels(selector: SelectorExpr): Labels {
  const labels: Labels = {}
  for (const m of selector.matchers) if (m.op === '=' && m.name !== '__name__') labels[m.name] = m.value
  return labels
}

function evaluateNegation(expr: Node<'neg'>, ctx: EvalContext): Value {
  const v = evaluate(expr.expr, ctx)
  return v.kind === 'scalar'
    ? { kind: 'scalar', value: -v.value }
    : { kind: 'vector', elements: v.elements.map((e) => ({ labels: e.labels, value: -e.value })) }
}

function evaluateSelector(expr: SelectorExpr, ctx: EvalContext): VectorValue {
  const out: VectorElement[] = []
  for (const s of ctx.current(expr.name, expr.offsetMs ?? 0))
    if (selectorMatches(expr, s.labels)) out.push({ labels: s.labels, value: s.value, name: s.name })
  if (out.length > 0) ctx.sawSeries = true
  return { kind: 'vector', elements: out }
}

function evaluateRangeFunction(expr: Node<'range-fn'>, ctx: EvalContext): VectorValue {
  const out: VectorElement[] = []
  const rangeMs = expr.selector.rangeMs as number
  const offsetMs = expr.selector.offsetMs ?? 0
  let anyPoint = false
  for (const series of ctx.range(expr.selector.name, rangeMs, offsetMs)) {
    if (!selectorMatches(expr.selector, series.labels)) continue
    ctx.sawSeries = true
    if (series.points.length > 0) anyPoint = true
    const end = ctx.at - offsetMs
    const value = rangeValue(expr.fn, series.points, end - rangeMs, end)
    if (value === undefined) continue
    // last_over_time keeps the metric name (Prometheus); other range functions drop it
    if (expr.fn === 'last_over_time') out.push({ labels: series.labels, value, name: expr.selector.name })
    else out.push({ labels: series.labels, value })
  }
  if (expr.fn === 'absent_over_time') {
    ctx.sawSeries = true
    return { kind: 'vector', elements: anyPoint ? [] : [{ labels: absentLabels(expr.selector), value: 1 }] }
  }
  return { kind: 'vector', elements: out }
}

function evaluatePredictLinear(expr: Node<'predict-linear'>, ctx: EvalContext): VectorValue {
  const seconds = evaluate(expr.seconds, ctx)
  if (seconds.kind !== 'scalar')
    throw new MonitorError('MONITOR_EVALUATION_FAILED', 'predict_linear() needs a number of seconds')
  const out: VectorElement[] = []
  const { rangeMs = 0, offsetMs = 0 } = expr.selector
  for (const series of ctx.range(expr.selector.name, rangeMs, offsetMs)) {
    if (!selectorMatches(expr.selector, series.labels)) continue
    ctx.sawSeries = true
    if (series.points.length < 2) continue
    // as Prometheus: projected from the evaluation time, whatever the offset
    const { slope, intercept } = linearRegression(series.points, ctx.at)
    out.push({ labels: series.labels, value: intercept + slope * seconds.value })
  }
  return { kind: 'vector', elements: out }
}

function evaluateAbsent(expr: Node<'absent'>, ctx: EvalContext): VectorValue {
  const present = evaluateSelector(expr.selector, ctx)
  // absent() answers either way: its rule is never "no data".
  ctx.sawSeries = true
  return {
    kind: 'vector',
    elements: present.elements.length > 0 ? [] : [{ labels: absentLabels(expr.selector), value: 1 }],
  }
}

function evaluateHistogramQuantile(expr: Node<'quantile'>, ctx: EvalContext): VectorValue {
  const inner = evaluate(expr.expr, ctx)
  if (inner.kind !== 'vector')
    throw new MonitorError('MONITOR_EVALUATION_FAILED', 'histogram_quantile needs a vector')
  return { kind: 'vector', elements: histogramQuantile(expr.q, inner.elements) }
}

function evaluateAggregation(expr: Node<'aggregation'>, ctx: EvalContext): VectorValue {
  const inner = evaluate(expr.expr, ctx)
  if (inner.kind !== 'vector')
    throw new MonitorError('MONITOR_EVALUATION_FAILED', `${expr.op}() needs a vector`)
  let param: number | undefined
  if (expr.param) {
    const value = evaluate(expr.param, ctx)
    if (value.kind !== 'scalar')
      throw new MonitorError('MONITOR_EVALUATION_FAILED', `${expr.op}() needs a number before its vector`)
    param = value.value
  }
  const grouping = { ...(expr.by ? { by: expr.by } : {}), ...(expr.without ? { without: expr.without } : {}) }
  return { kind: 'vector', elements: aggregateVector(expr.op, inner.elements, grouping, param) }
}
