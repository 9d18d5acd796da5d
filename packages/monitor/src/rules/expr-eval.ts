import { MonitorError } from '../errors/monitor-error.js'
import {
  type AggregationOp,
  type BinaryOp,
  COMPARISON_OPS,
  type Expr,
  type RangeFunction,
  type VectorMatching,
} from './expr-ast.js'
import { matches } from './expr-parser.js'
import { type Labels, labelsKey } from './labels.js'
import type { Sample } from './sample-source.js'

/** One element of an instant vector. */
export interface VectorElement {
  labels: Labels
  value: number
}

/** What an expression evaluates to. */
export type Value = { kind: 'scalar'; value: number } | { kind: 'vector'; elements: VectorElement[] }

/** The samples an evaluation reads: the current snapshot by metric name, plus history for ranges. */
export interface EvalContext {
  at: number
  current(name: string): readonly Sample[]
  /**
   * Points `[t, v]` of series of `name` with `t` in `(end - rangeMs, end]`, grouped by series,
   * where `end` is `at - offsetMs`.
   */
  range(
    name: string,
    rangeMs: number,
    offsetMs?: number,
  ): ReadonlyArray<{ labels: Labels; points: ReadonlyArray<readonly [number, number]> }>
  /** Set when a selector matched at least one series. */
  sawSeries: boolean
}

/** How far back an instant read with `offset` looks for a series' latest sample (Prometheus' lookback delta). */
const LOOKBACK_MS = 5 * 60_000

function selectorMatches(expr: Extract<Expr, { type: 'selector' }>, labels: Labels): boolean {
  for (const m of expr.matchers) if (!matches(m, labels)) return false
  return true
}

/**
 * `rate` / `increase` / `delta` as Prometheus computes them (promql `extrapolatedRate`): the
 * change between the first and last sample (for counters, resets added back), extrapolated to the
 * edges of the window when the samples reach within 1.1 average intervals of an edge, else by
 * half an interval; a counter never back past its extrapolated zero. `rate` divides by the window.
 */
function extrapolatedIncrease(
  points: ReadonlyArray<readonly [number, number]>,
  windowStart: number,
  windowEnd: number,
  isCounter: boolean,
): number | undefined {
  if (points.length < 2) return undefined
  const [firstT, firstV] = points[0] as readonly [number, number]
  const [lastT, lastV] = points[points.length - 1] as readonly [number, number]
  let increase = lastV - firstV
  if (isCounter) {
    let previous = 0
    for (const [, value] of points) {
      if (value < previous) increase += previous
      previous = value
    }
  }
  const sampled = (lastT - firstT) / 1000
  if (sampled <= 0) return undefined
  const averageGap = sampled / (points.length - 1)
  const threshold = averageGap * 1.1
  let toStart = (firstT - windowStart) / 1000
  let toEnd = (windowEnd - lastT) / 1000
  if (toStart >= threshold) toStart = averageGap / 2
  // A counter cannot go below zero: do not extrapolate further back than where it would be 0.
  if (isCounter && increase > 0 && firstV >= 0) toStart = Math.min(toStart, sampled * (firstV / increase))
  if (toEnd >= threshold) toEnd = averageGap / 2
  return increase * ((sampled + toStart + toEnd) / sampled)
}

/** Counts the samples whose value differs from the one before (`changes`) or is below it (`resets`). */
function countSteps(
  points: ReadonlyArray<readonly [number, number]>,
  step: (prev: number, cur: number) => boolean,
): number {
  let count = 0
  for (let i = 1; i < points.length; i++)
    if (step((points[i - 1] as readonly [number, number])[1], (points[i] as readonly [number, number])[1]))
      count++
  return count
}

/**
 * Least-squares line through the points, as Prometheus' `linearRegression`: `slope` per second
 * and the value at `interceptTime` (ms). All-equal values give slope 0 without rounding error.
 */
function linearRegression(
  points: ReadonlyArray<readonly [number, number]>,
  interceptTime: number,
): { slope: number; intercept: number } {
  const firstValue = (points[0] as readonly [number, number])[1]
  if (points.every(([, v]) => v === firstValue)) return { slope: 0, intercept: firstValue }
  let sumX = 0
  let sumY = 0
  let sumXY = 0
  let sumX2 = 0
  for (const [t, v] of points) {
    const x = (t - interceptTime) / 1000
    sumX += x
    sumY += v
    sumXY += x * v
    sumX2 += x * x
  }
  const n = points.length
  const slope = (sumXY - (sumX * sumY) / n) / (sumX2 - (sumX * sumX) / n)
  return { slope, intercept: sumY / n - (slope * sumX) / n }
}

/** `irate`: the per-second change between the last two samples (a reset counts from zero). */
function instantRate(points: ReadonlyArray<readonly [number, number]>): number | undefined {
  if (points.length < 2) return undefined
  const [prevT, prevV] = points[points.length - 2] as readonly [number, number]
  const [lastT, lastV] = points[points.length - 1] as readonly [number, number]
  const seconds = (lastT - prevT) / 1000
  if (seconds <= 0) return undefined
  return (lastV < prevV ? lastV : lastV - prevV) / seconds
}

function rangeValue(
  fn: RangeFunction,
  points: ReadonlyArray<readonly [number, number]>,
  at: number,
  rangeMs: number,
): number | undefined {
  if (points.length === 0) return undefined
  switch (fn) {
    case 'avg_over_time':
      return points.reduce((s, p) => s + p[1], 0) / points.length
    case 'sum_over_time':
      return points.reduce((s, p) => s + p[1], 0)
    case 'count_over_time':
      return points.length
    case 'last_over_time':
      return (points[points.length - 1] as readonly [number, number])[1]
    case 'min_over_time':
      return Math.min(...points.map((p) => p[1]))
    case 'max_over_time':
      return Math.max(...points.map((p) => p[1]))
    case 'changes':
      return countSteps(points, (prev, cur) => cur !== prev)
    case 'resets':
      return countSteps(points, (prev, cur) => cur < prev)
    case 'irate':
      return instantRate(points)
    case 'deriv':
      return points.length < 2
        ? undefined
        : linearRegression(points, (points[0] as readonly [number, number])[0]).slope
    case 'delta':
      return extrapolatedIncrease(points, at - rangeMs, at, false)
    case 'absent_over_time':
      return undefined
  }
  const increase = extrapolatedIncrease(points, at - rangeMs, at, true)
  if (increase === undefined) return undefined
  return fn === 'increase' ? increase : increase / (rangeMs / 1000)
}

/** The labels of `absent()`'s element: those the selector pins with `=` (as Prometheus). */
function absentLabels(selector: Extract<Expr, { type: 'selector' }>): Labels {
  const labels: Labels = {}
  for (const m of selector.matchers) if (m.op === '=' && m.name !== '__name__') labels[m.name] = m.value
  return labels
}

/** One group's value of a value aggregation, as Prometheus computes it. */
function aggregate(op: AggregationOp, values: number[], param: number | undefined): number {
  const n = values.length
  const mean = () => values.reduce((a, b) => a + b, 0) / n
  const variance = () => {
    const m = mean()
    return values.reduce((a, b) => a + (b - m) * (b - m), 0) / n
  }
  switch (op) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0)
    case 'avg':
      return mean()
    case 'min':
      return Math.min(...values)
    case 'max':
      return Math.max(...values)
    case 'count':
      return n
    case 'group':
      return 1
    case 'stdvar':
      return variance()
    case 'stddev':
      return Math.sqrt(variance())
    default:
      return quantileOf(param as number, values)
  }
}

/** The φ-quantile of `values`, interpolating between ranks as Prometheus' `quantile` aggregation. */
function quantileOf(q: number, values: number[]): number {
  if (Number.isNaN(q)) return Number.NaN
  if (q < 0) return Number.NEGATIVE_INFINITY
  if (q > 1) return Number.POSITIVE_INFINITY
  const sorted = [...values].sort((a, b) => a - b)
  const rank = q * (sorted.length - 1)
  const lower = Math.max(0, Math.floor(rank))
  const upper = Math.min(sorted.length - 1, lower + 1)
  const weight = rank - Math.floor(rank)
  return (sorted[lower] as number) * (1 - weight) + (sorted[upper] as number) * weight
}

function quantile(q: number, buckets: Array<{ le: number; count: number }>): number {
  buckets.sort((a, b) => a.le - b.le)
  const last = buckets[buckets.length - 1]
  if (!last || last.le !== Number.POSITIVE_INFINITY || buckets.length < 2) return Number.NaN
  const total = last.count
  if (total === 0) return Number.NaN
  const rank = q * total
  let i = buckets.findIndex((b) => b.count >= rank)
  if (i === -1) i = buckets.length - 1
  const bucket = buckets[i] as { le: number; count: number }
  if (bucket.le === Number.POSITIVE_INFINITY) return (buckets[buckets.length - 2] as { le: number }).le
  const previous = i === 0 ? undefined : buckets[i - 1]
  if (!previous && bucket.le <= 0) return bucket.le
  const lowerBound = previous ? previous.le : 0
  const lowerCount = previous ? previous.count : 0
  const inBucket = bucket.count - lowerCount
  if (inBucket === 0) return bucket.le
  return lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket)
}

function compare(op: BinaryOp, a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b
    case '<':
      return a < b
    case '>=':
      return a >= b
    case '<=':
      return a <= b
    case '==':
      return a === b
    default:
      return a !== b
  }
}

function arithmetic(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    default:
      return a / b
  }
}

/** Vector matching when the expression gives none: one-to-one on all labels. */
const ALL_LABELS: VectorMatching = { on: false, labels: [] }

/** The key two elements must share to be paired: their `on(…)` labels, or all but `ignoring(…)`. */
function signature(labels: Labels, matching: VectorMatching): string {
  const picked: Labels = {}
  for (const [name, value] of Object.entries(labels))
    if (matching.labels.includes(name) === matching.on) picked[name] = value
  return labelsKey(picked)
}

function vectorOnly(value: Value, what: string): Extract<Value, { kind: 'vector' }> {
  if (value.kind !== 'vector') throw new MonitorError('MONITOR_EVALUATION_FAILED', what)
  return value
}

function setOperation(
  op: 'and' | 'or' | 'unless',
  left: VectorElement[],
  right: VectorElement[],
  matching: VectorMatching,
): VectorElement[] {
  const rightSignatures = new Set(right.map((e) => signature(e.labels, matching)))
  if (op === 'and') return left.filter((e) => rightSignatures.has(signature(e.labels, matching)))
  if (op === 'unless') return left.filter((e) => !rightSignatures.has(signature(e.labels, matching)))
  const leftSignatures = new Set(left.map((e) => signature(e.labels, matching)))
  return [...left, ...right.filter((e) => !leftSignatures.has(signature(e.labels, matching)))]
}

/**
 * The labels of a result element, as Prometheus builds them: the "many" side's labels (the left
 * side's for one-to-one), cut to the `on(…)` labels or without the `ignoring(…)` ones when
 * one-to-one, plus the included labels taken from the "one" side (dropped where it has none).
 */
function resultLabels(many: Labels, one: Labels, matching: VectorMatching): Labels {
  const out: Labels = {}
  for (const [name, value] of Object.entries(many))
    if (matching.group || matching.labels.includes(name) === matching.on) out[name] = value
  for (const name of matching.group?.include ?? []) {
    const value = one[name]
    if (value) out[name] = value
    else delete out[name]
  }
  return out
}

/** Arithmetic or a filtering comparison between two vectors, paired as `matching` says. */
function vectorOperation(
  op: BinaryOp,
  left: VectorElement[],
  right: VectorElement[],
  matching: VectorMatching,
  returnBool: boolean,
): VectorElement[] {
  const rightIsMany = matching.group?.side === 'right'
  const [many, one] = rightIsMany ? [right, left] : [left, right]
  const oneSide = rightIsMany ? 'left' : 'right'
  const bySignature = new Map<string, VectorElement>()
  for (const e of one) {
    const key = signature(e.labels, matching)
    if (bySignature.has(key))
      throw new MonitorError(
        'MONITOR_EVALUATION_FAILED',
        `many-to-many matching: the ${oneSide} side has more than one series like ${JSON.stringify(e.labels)} for one match`,
      )
    bySignature.set(key, e)
  }
  const matched = new Set<string>()
  const results = new Set<string>()
  const out: VectorElement[] = []
  for (const e of many) {
    const key = signature(e.labels, matching)
    const match = bySignature.get(key)
    if (!match) continue
    if (!matching.group) {
      if (matched.has(key))
        throw new MonitorError(
          'MONITOR_EVALUATION_FAILED',
          'multiple matches on the left side: many-to-one matching must be explicit (group_left/group_right)',
        )
      matched.add(key)
    }
    const [l, r] = rightIsMany ? [match.value, e.value] : [e.value, match.value]
    if (COMPARISON_OPS.has(op) && !returnBool && !compare(op, l, r)) continue
    const labels = resultLabels(e.labels, match.labels, matching)
    if (matching.group) {
      const resultKey = labelsKey(labels)
      if (results.has(resultKey))
        throw new MonitorError(
          'MONITOR_EVALUATION_FAILED',
          'multiple matches for the same result labels: the grouping labels must make each result unique',
        )
      results.add(resultKey)
    }
    out.push({ labels, value: elementValue(op, l, r, returnBool) })
  }
  return out
}

/** The value of a result element: the left value of a kept comparison, its 1/0 with `bool`, or the arithmetic. */
function elementValue(op: BinaryOp, l: number, r: number, returnBool: boolean): number {
  if (!COMPARISON_OPS.has(op)) return arithmetic(op, l, r)
  return returnBool ? Number(compare(op, l, r)) : l
}

function binary(
  op: BinaryOp,
  left: Value,
  right: Value,
  matching: VectorMatching | undefined,
  returnBool = false,
): Value {
  if (op === 'and' || op === 'or' || op === 'unless') {
    const message = `"${op}" needs vectors on both sides`
    return {
      kind: 'vector',
      elements: setOperation(
        op,
        vectorOnly(left, message).elements,
        vectorOnly(right, message).elements,
        matching ?? ALL_LABELS,
      ),
    }
  }
  const isComparison = COMPARISON_OPS.has(op)
  if (matching && (left.kind !== 'vector' || right.kind !== 'vector'))
    throw new MonitorError(
      'MONITOR_EVALUATION_FAILED',
      'vector matching (on, ignoring, group_left, group_right) is only allowed between two vectors',
    )
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    return {
      kind: 'scalar',
      value: isComparison
        ? Number(compare(op, left.value, right.value))
        : arithmetic(op, left.value, right.value),
    }
  }
  if (left.kind !== right.kind) {
    const [vector, scalar] = (left.kind === 'vector' ? [left, right] : [right, left]) as [
      Extract<Value, { kind: 'vector' }>,
      Extract<Value, { kind: 'scalar' }>,
    ]
    const out: VectorElement[] = []
    for (const e of vector.elements) {
      const [l, r] = left.kind === 'vector' ? [e.value, scalar.value] : [scalar.value, e.value]
      // A filtering comparison keeps the vector's element as it is, whichever side it is on.
      if (isComparison && !returnBool) {
        if (compare(op, l, r)) out.push(e)
      } else out.push({ labels: e.labels, value: elementValue(op, l, r, returnBool) })
    }
    return { kind: 'vector', elements: out }
  }
  return {
    kind: 'vector',
    elements: vectorOperation(
      op,
      (left as Extract<Value, { kind: 'vector' }>).elements,
      (right as Extract<Value, { kind: 'vector' }>).elements,
      matching ?? ALL_LABELS,
      returnBool,
    ),
  }
}

export function evaluate(expr: Expr, ctx: EvalContext): Value {
  switch (expr.type) {
    case 'number':
      return { kind: 'scalar', value: expr.value }
    case 'neg': {
      const v = evaluate(expr.expr, ctx)
      return v.kind === 'scalar'
        ? { kind: 'scalar', value: -v.value }
        : { kind: 'vector', elements: v.elements.map((e) => ({ labels: e.labels, value: -e.value })) }
    }
    case 'selector': {
      const out: VectorElement[] = []
      if (expr.offsetMs) {
        // As Prometheus: each series' latest sample within the lookback before `at - offset`.
        for (const series of ctx.range(expr.name, LOOKBACK_MS, expr.offsetMs)) {
          const last = series.points[series.points.length - 1]
          if (last && selectorMatches(expr, series.labels))
            out.push({ labels: series.labels, value: last[1] })
        }
      } else {
        for (const s of ctx.current(expr.name))
          if (selectorMatches(expr, s.labels)) out.push({ labels: s.labels, value: s.value })
      }
      if (out.length > 0) ctx.sawSeries = true
      return { kind: 'vector', elements: out }
    }
    case 'range-fn': {
      const out: VectorElement[] = []
      const rangeMs = expr.selector.rangeMs as number
      const offsetMs = expr.selector.offsetMs ?? 0
      let anyPoint = false
      for (const series of ctx.range(expr.selector.name, rangeMs, offsetMs)) {
        if (!selectorMatches(expr.selector, series.labels)) continue
        ctx.sawSeries = true
        if (series.points.length > 0) anyPoint = true
        const value = rangeValue(expr.fn, series.points, ctx.at - offsetMs, rangeMs)
        if (value !== undefined) out.push({ labels: series.labels, value })
      }
      if (expr.fn === 'absent_over_time') {
        ctx.sawSeries = true
        return {
          kind: 'vector',
          elements: anyPoint ? [] : [{ labels: absentLabels(expr.selector), value: 1 }],
        }
      }
      return { kind: 'vector', elements: out }
    }
    case 'predict-linear': {
      const seconds = evaluate(expr.seconds, ctx)
      if (seconds.kind !== 'scalar')
        throw new MonitorError('MONITOR_EVALUATION_FAILED', 'predict_linear() needs a number of seconds')
      const out: VectorElement[] = []
      const { rangeMs = 0, offsetMs = 0 } = expr.selector
      for (const series of ctx.range(expr.selector.name, rangeMs, offsetMs)) {
        if (!selectorMatches(expr.selector, series.labels)) continue
        ctx.sawSeries = true
        if (series.points.length < 2) continue
        const { slope, intercept } = linearRegression(series.points, ctx.at - offsetMs)
        out.push({ labels: series.labels, value: intercept + slope * seconds.value })
      }
      return { kind: 'vector', elements: out }
    }
    case 'absent': {
      const present = evaluate(expr.selector, ctx) as Extract<Value, { kind: 'vector' }>
      // absent() answers either way: its rule is never "no data".
      ctx.sawSeries = true
      return {
        kind: 'vector',
        elements: present.elements.length > 0 ? [] : [{ labels: absentLabels(expr.selector), value: 1 }],
      }
    }
    case 'quantile': {
      const inner = evaluate(expr.expr, ctx)
      if (inner.kind !== 'vector')
        throw new MonitorError('MONITOR_EVALUATION_FAILED', 'histogram_quantile needs a vector')
      const groups = new Map<string, { labels: Labels; buckets: Array<{ le: number; count: number }> }>()
      for (const e of inner.elements) {
        const le = e.labels.le
        if (le === undefined) continue
        const { le: _le, ...rest } = e.labels
        const key = labelsKey(rest)
        let group = groups.get(key)
        if (!group) {
          group = { labels: rest, buckets: [] }
          groups.set(key, group)
        }
        group.buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: e.value })
      }
      const out: VectorElement[] = []
      for (const group of groups.values()) {
        const value = quantile(expr.q, group.buckets)
        if (!Number.isNaN(value)) out.push({ labels: group.labels, value })
      }
      return { kind: 'vector', elements: out }
    }
    case 'aggregation': {
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
      const groups = new Map<string, { labels: Labels; elements: VectorElement[] }>()
      for (const e of inner.elements) {
        const labels: Labels = {}
        if (expr.by) {
          for (const name of expr.by)
            if (e.labels[name] !== undefined) labels[name] = e.labels[name] as string
        } else if (expr.without) {
          for (const [name, value] of Object.entries(e.labels))
            if (!expr.without.includes(name)) labels[name] = value
        }
        const key = labelsKey(labels)
        let group = groups.get(key)
        if (!group) {
          group = { labels, elements: [] }
          groups.set(key, group)
        }
        group.elements.push(e)
      }
      const out: VectorElement[] = []
      for (const g of groups.values()) {
        if (expr.op === 'topk' || expr.op === 'bottomk') {
          // The k largest (smallest) elements of each group, with their own labels.
          const k = Math.floor(param as number)
          const sorted = [...g.elements].sort((a, b) =>
            expr.op === 'topk' ? b.value - a.value : a.value - b.value,
          )
          out.push(...sorted.slice(0, Math.max(0, k)))
          continue
        }
        out.push({
          labels: g.labels,
          value: aggregate(
            expr.op,
            g.elements.map((e) => e.value),
            param,
          ),
        })
      }
      return { kind: 'vector', elements: out }
    }
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

/** How much history a selector reads: its range, pushed back by its offset (instant reads look back 5 m). */
function historyNeeded(selector: Extract<Expr, { type: 'selector' }>): number {
  if (!selector.offsetMs) return selector.rangeMs ?? 0
  return (selector.rangeMs ?? LOOKBACK_MS) + selector.offsetMs
}

/** Metric names a parsed expression reads, and the longest range (ms) each needs, 0 for instant reads. */
export function referencedMetrics(expr: Expr, into = new Map<string, number>()): Map<string, number> {
  switch (expr.type) {
    case 'selector':
      into.set(expr.name, Math.max(into.get(expr.name) ?? 0, historyNeeded(expr)))
      break
    case 'range-fn':
    case 'absent':
    case 'predict-linear':
      into.set(expr.selector.name, Math.max(into.get(expr.selector.name) ?? 0, historyNeeded(expr.selector)))
      break
    case 'aggregation':
      if (expr.param) referencedMetrics(expr.param, into)
      referencedMetrics(expr.expr, into)
      break
    case 'quantile':
    case 'neg':
      referencedMetrics(expr.expr, into)
      break
    case 'binary':
      referencedMetrics(expr.left, into)
      referencedMetrics(expr.right, into)
      break
    case 'number':
      break
  }
  return into
}
